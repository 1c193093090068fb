"""Email intake.

The parser is a set of pure modules (no database, no Django): `parsing.parse_email` builds
one `ParsedEmail` from raw bytes and never raises; `limits` bounds its effort (and cuts
what is nested too deep before parsing), `parts` reads a MIME part's headers, type and
payload, `bodies` cleans body text and HTML, `headers` decodes header fields,
`charsets` decodes bytes of any declared charset, `quoting` folds quoted history and
signatures away from the new text, `robots` recognises machine-generated mail and bounces,
`tnef` unpacks winmail.dat and `ical` renders calendar invitations as text. The channel
(raw storage, threading, quarantine, tickets) builds on them; its modules are the ones that
touch the database. Tests and the hostile .eml corpus are in `tests/`.
"""
