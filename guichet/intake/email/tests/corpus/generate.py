"""Write the hostile .eml corpus of this folder and its manifest, `expected.toml`.

    .venv/bin/python guichet/intake/email/tests/corpus/generate.py

Deterministic: the bytes are written out by hand (no email package, no randomness), so
running it again changes nothing; `test_corpus.py` checks that the files on disk are what
this script writes. Each case names the failure it comes from (research notes
`reliability.md`, sections 1A–1G and 4, "H" cases). Messages that must be large (a 1 MB
header line, 5,000 nested multiparts, a 40 MB part) are built in `test_limits.py` instead
of being committed.

Manifest keys; every message states robot, auto_reply, bounce, attachments and defects
(a person's clean message without attachments unless it says otherwise), its subject and a
sentence of its text (taken from what the builder wrote unless stated):
    case              where the case comes from
    options           keyword arguments for parse_email (limits)
    subject           the exact decoded subject
    sender            the From address ("" when there must be none)
    sender_name       the decoded display name
    text              the exact text (for empty bodies)
    message_id, in_reply_to, references
    text_contains     sentences that must survive in `text`
    new_text_contains / new_text_excludes / quoted_contains
    html_contains / html_excludes
    calendar_contains
    attachments       file names, in order
    content_types     declared types, in order (recorded, never trusted)
    withheld          {file name = reason}
    inline            names of inline attachments
    robot, auto_reply
    bounce            {original_message_id, recipient, status, action}; "none" for no bounce
    defects           exactly the defects reported (any order)
    date              ISO 8601, or "none"
    return_path       "none" when there is no header
"""

from __future__ import annotations

import base64
import quopri
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CRLF = "\r\n"
PHRASE = "Réclamation colis abîmé – remboursement dû"
DATE = "Tue, 03 Mar 2026 10:00:00 +0100"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

Case = tuple[str, Callable[[], bytes], dict[str, Any]]
CASES: list[Case] = []
# What the builder of the current case wrote: its Subject and the first line of its first
# text part become that case's expected `subject` and `text_contains` unless it states them.
WRITTEN: dict[str, str] = {}


def case(name: str, **expected: Any) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    """Register a case. Unless it says otherwise, a message is from a person (no robot, no
    auto-reply, no bounce), has no attachments and no defects: every file states all five."""
    expected.setdefault("robot", "")
    expected.setdefault("auto_reply", False)
    expected.setdefault("bounce", "none")
    expected.setdefault("attachments", [])
    expected.setdefault("defects", [])

    def register(build: Callable[[], bytes]) -> Callable[[], bytes]:
        CASES.append((name, build, expected))
        return build

    return register


# --- building blocks -------------------------------------------------------------------------


def lines(*items: str | bytes) -> bytes:
    """Header and body lines joined with CRLF (str lines are ASCII or UTF-8)."""
    out = b""
    for item in items:
        out += (item if isinstance(item, bytes) else item.encode("utf-8")) + b"\r\n"
    return out


def head(
    subject: str | bytes = "Question",
    sender: str | bytes = "Hélène Lefèvre <helene@exemple.fr>",
    *extra: str | bytes,
    message_id: str = "<case@exemple.fr>",
    mime: bool = True,
) -> bytes:
    """A typical header block without Content-Type (added by the caller)."""
    if isinstance(sender, str) and not sender.isascii():
        name, _, address = sender.partition(" <")
        sender = f"{q_word(name)} <{address}"
    if isinstance(subject, str):
        WRITTEN.setdefault("subject", subject)
    if isinstance(subject, str) and not subject.isascii():
        subject = q_word(subject)
    items: list[str | bytes] = [
        b"From: " + (sender if isinstance(sender, bytes) else sender.encode()),
        "To: Service Client <support@guichet.example>",
        b"Subject: " + (subject if isinstance(subject, bytes) else subject.encode()),
        f"Date: {DATE}",
        f"Message-ID: {message_id}",
    ]
    if mime:
        items.append("MIME-Version: 1.0")
    items.extend(extra)
    return lines(*items)


def q_word(text: str, charset: str = "utf-8") -> str:
    data = text.encode(charset)
    body = "".join(
        chr(b) if (chr(b).isalnum() and b < 128) else "_" if b == 32 else f"={b:02X}" for b in data
    )
    return f"=?{charset}?Q?{body}?="


def b_word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def qp(data: bytes) -> bytes:
    return quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")


def b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + b"\r\n"


def text_body(text: str, charset: str = "utf-8", cte: str = "quoted-printable") -> bytes:
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    if first_line:
        WRITTEN.setdefault("text", first_line)
    data = text.replace("\n", "\r\n").encode(charset)
    encoded = qp(data) if cte == "quoted-printable" else b64(data) if cte == "base64" else data
    return (
        lines(
            f'Content-Type: text/plain; charset="{charset}"',
            f"Content-Transfer-Encoding: {cte}",
            "",
        )
        + encoded
    )


def html_part(html: str, charset: str = "utf-8") -> bytes:
    return lines(
        f'Content-Type: text/html; charset="{charset}"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
    ) + qp(html.encode(charset))


def attachment(
    name_params: str,
    data: bytes,
    content_type: str = "application/pdf",
    *extra: str,
    disposition: str = "attachment",
) -> bytes:
    """`name_params`: the parameters after `attachment;` (e.g. `filename="a.pdf"`)."""
    items = [f"Content-Type: {content_type}"]
    if disposition:
        items.append(f"Content-Disposition: {disposition}; {name_params}")
    else:
        items[0] += f"; {name_params}"
    items += [*extra, "Content-Transfer-Encoding: base64", ""]
    return lines(*items) + b64(data)


def multipart(subtype: str, parts: list[bytes], boundary: str, params: str = "") -> bytes:
    out = lines(
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}',
        "",
        "This is a multi-part message in MIME format.",
    )
    for item in parts:
        out += f"--{boundary}\r\n".encode() + item + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def plain(text: str) -> bytes:
    return text_body(text)


# --- TNEF (MS-OXTNEF) and compressed RTF (MS-OXRTFCP) -------------------------------------------

RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    b"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    b"\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)


def lzfu(data: bytes) -> bytes:
    """LZFu-compress `data` (< 3.8 KB): greedy matches within what is already written."""
    window = bytearray(RTF_PREBUF)
    out = bytearray()
    position = 0
    ended = False
    while not ended:
        control, chunk = 0, bytearray()
        for bit in range(8):
            if position >= len(data):
                offset = len(window) % 4096
                control |= 1 << bit
                chunk += bytes([offset >> 4, (offset & 0xF) << 4])
                ended = True
                break
            best = 0
            found = -1
            for length in range(min(17, len(data) - position), 1, -1):
                found = bytes(window).find(data[position : position + length])
                if found >= 0:
                    best = length
                    break
            if best:
                control |= 1 << bit
                token = (found << 4) | (best - 2)
                chunk += token.to_bytes(2, "big")
                window += data[position : position + best]
                position += best
            else:
                chunk.append(data[position])
                window.append(data[position])
                position += 1
        out.append(control)
        out += chunk
    return struct.pack("<IIII", len(out) + 12, len(data), 0x75465A4C, 0) + bytes(out)


def tnef_object(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def mapi_value(kind: int, name: int, value: bytes) -> bytes:
    padded = value + b"\x00" * (-len(value) % 4)
    return struct.pack("<HHII", kind, name, 1, len(value)) + padded


def mapi_block(*values: bytes) -> bytes:
    return struct.pack("<I", len(values)) + b"".join(values)


def tnef(body_props: list[bytes], attachments: list[tuple[bytes, bytes, list[bytes]]]) -> bytes:
    """attachments: (title, data, MAPI values)."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))
    out += tnef_object(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
    out += tnef_object(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")
    if body_props:
        out += tnef_object(1, 0x9003, 0x0006, mapi_block(*body_props))
    for title, data, props in attachments:
        out += tnef_object(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)
        out += tnef_object(2, 0x8010, 0x0001, title + b"\x00")
        out += tnef_object(2, 0x800F, 0x0006, data)
        if props:
            out += tnef_object(2, 0x9005, 0x0006, mapi_block(*props))
    return out


def long_filename(name: str) -> bytes:
    return mapi_value(0x001E, 0x3707, name.encode("cp1252") + b"\x00")


def mime_tag(value: str) -> bytes:
    return mapi_value(0x001E, 0x370E, value.encode("ascii") + b"\x00")


def winmail(data: bytes) -> bytes:
    return attachment('filename="winmail.dat"', data, "application/ms-tnef")


# === 1E — character encodings ====================================================================


@case(
    "charset-h6-iso-8859-1-subject-cp1252-body.eml",
    case="H6, F23 (osTicket #633): ISO-8859-1 Q subject, windows-1252 QP body with 0x92 and 0x80",
    subject="Réclamation colis abîmé",
    text_contains=["J’ai payé 49 € pour un colis abîmé.", "Merci de répondre à ma demande."],
)
def _() -> bytes:
    return head(b"=?ISO-8859-1?Q?R=E9clamation_colis_ab=EEm=E9?=") + lines(
        'Content-Type: text/plain; charset="windows-1252"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Bonjour,",
        "",
        "J=92ai pay=E9 49 =80 pour un colis ab=EEm=E9.",
        "Merci de r=E9pondre =E0 ma demande.",
    )


@case(
    "charset-iso-8859-1-label-read-as-windows-1252.eml",
    case="F25: Outlook writes 0x92/0x96 under an iso-8859-1 label; read as windows-1252",
    subject=PHRASE,
    text_contains=[PHRASE, "C’est la deuxième fois."],
    attachments=[f"{PHRASE}.pdf"],
)
def _() -> bytes:
    encoded = PHRASE.encode("cp1252")
    word = "=?iso-8859-1?Q?" + "".join(
        chr(b) if chr(b).isalnum() and b < 128 else "_" if b == 32 else f"={b:02X}" for b in encoded
    )
    body = (PHRASE + "\nC’est la deuxième fois.\n").replace("\n", "\r\n").encode("cp1252")
    name = "".join(
        chr(b) if chr(b).isalnum() and b < 128 else f"%{b:02X}"
        for b in (PHRASE + ".pdf").encode("cp1252")
    )
    return head((word + "?=").encode()) + multipart(
        "mixed",
        [
            lines(
                'Content-Type: text/plain; charset="iso-8859-1"',
                "Content-Transfer-Encoding: 8bit",
                "",
            )
            + body,
            attachment(f"filename*=iso-8859-1''{name}", PDF),
        ],
        "b1",
    )


@case(
    "charset-iso-8859-15.eml",
    case="1E corpus: ISO-8859-15 body (€ at 0xA4) and B-encoded subject",
    subject="Facture à 120 € — œuvre",
    text_contains=["Le montant de 120 € est faux pour l'œuvre commandée."],
)
def _() -> bytes:
    subject = (
        b_word("Facture à 120 € ", "iso-8859-15")
        + " =?utf-8?Q?=E2=80=94_?="
        + b_word("œuvre", "iso-8859-15")
    )
    return head(subject.encode()) + text_body(
        "Le montant de 120 € est faux pour l'œuvre commandée.\n", "iso-8859-15"
    )


@case(
    "charset-windows-1250-html-meta-only.eml",
    case="F25 (Zammad #2167): windows-1250 HTML whose charset is only in <meta>",
    subject="Reklamace",
    text_contains=["Příliš žluťoučký kůň úpěl ďábelské ódy."],
    html_contains=["Příliš žluťoučký kůň"],
)
def _() -> bytes:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1250">'
        "</head><body><p>Příliš žluťoučký kůň úpěl ďábelské ódy.</p></body></html>"
    )
    return (
        head("Reklamace")
        + lines("Content-Type: text/html", "Content-Transfer-Encoding: 8bit", "")
        + html.encode("cp1250")
    )


@case(
    "charset-windows-1258-subject.eml",
    case="F25 (Zammad #3951, mikel/mail #544): windows-1258 subject and body with 0x92",
    subject="L’hóa đơn sai",
    text_contains=["Tôi không nhân đươc hàng’s."],
)
def _() -> bytes:
    return head(q_word("L’hóa đơn sai", "windows-1258").encode()) + text_body(
        "Tôi không nhân đươc hàng’s.\n", "windows-1258"
    )


@case(
    "charset-koi8-r.eml",
    case="F24 (django-helpdesk #9): koi8-r body and subject",
    subject="Жалоба на доставку",
    text_contains=["Здравствуйте, посылка пришла повреждённой."],
)
def _() -> bytes:
    return head(b_word("Жалоба на доставку", "koi8-r").encode()) + text_body(
        "Здравствуйте, посылка пришла повреждённой.\n", "koi8-r", "8bit"
    )


@case(
    "charset-shift-jis.eml",
    case="1E corpus: Shift_JIS body and subject",
    subject="お問い合わせ",
    text_contains=["荷物が壊れていました。返金をお願いします。"],
)
def _() -> bytes:
    return head(b_word("お問い合わせ", "shift_jis").encode()) + text_body(
        "荷物が壊れていました。返金をお願いします。\n", "shift_jis", "base64"
    )


@case(
    "charset-gb2312.eml",
    case="1E corpus: GB2312 body and subject",
    subject="投诉",
    text_contains=["您好，我的包裹损坏了。"],
)
def _() -> bytes:
    return head(b_word("投诉", "gb2312").encode()) + text_body(
        "您好，我的包裹损坏了。\n", "gb2312", "base64"
    )


@case(
    "charset-h7-utf8-invalid-bytes.eml",
    case="H7: charset=utf-8 with invalid bytes among valid ones",
    subject="Problème",
    text_contains=["Colis abîmé \ufffd\ufffd à la livraison."],
    defects=["undecodable_bytes"],
)
def _() -> bytes:
    return (
        head("Problème")
        + lines('Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", "")
        + "Colis abîmé ".encode()
        + b"\xff\xfe"
        + " à la livraison.\r\n".encode()
    )


@case(
    "charset-h7-unknown-label.eml",
    case="H7, F25 ('converter not found'): a bogus charset label",
    subject="Bogus",
    text_contains=["Je n'ai reçu qu'une partie de la commande."],
    defects=["unknown_charset"],
)
def _() -> bytes:
    return (
        head(b"=?x-bogus-charset?Q?Bogus?=")
        + lines(
            'Content-Type: text/plain; charset="x-bogus-charset"',
            "Content-Transfer-Encoding: 8bit",
            "",
        )
        + "Je n'ai reçu qu'une partie de la commande.\r\n".encode()
    )


@case(
    "charset-h7-unlabelled-8bit.eml",
    case="H7: 8-bit body without a charset, raw 8-bit UTF-8 Subject and From",
    subject="Colis perdu à Noël",
    sender="jose@exemple.fr",
    sender_name="Josée Müller",
    text_contains=["Où est passé mon colis ? Il coûtait 30 €."],
    defects=["raw_8bit_header", "unlabelled_8bit"],
)
def _() -> bytes:
    return (
        head("Colis perdu à Noël".encode(), "Josée Müller <jose@exemple.fr>".encode())
        + lines("Content-Type: text/plain", "Content-Transfer-Encoding: 8bit", "")
        + ("Où est passé mon colis ? Il coûtait 30 €.\r\n".encode("cp1252"))
    )


@case(
    "charset-utf8-label-latin1-content.eml",
    case="F25: latin-1 text labelled utf-8 (no valid UTF-8 sequence at all)",
    subject="Mauvais étiquetage",
    text_contains=["Le carton était éventré."],
    defects=["charset_mismatch"],
)
def _() -> bytes:
    return (
        head("Mauvais étiquetage")
        + lines('Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", "")
        + "Le carton était éventré.\r\n".encode("latin-1")
    )


def roundtrip(charset: str, subject_word: str, cte: str, filename_params: str) -> bytes:
    return head(subject_word.encode()) + multipart(
        "mixed",
        [
            text_body(f"Bonjour,\n\n{PHRASE}.\n", charset, cte),
            attachment(filename_params, PDF),
        ],
        "rt",
    )


def sections(encoded: str, size: int = 24) -> list[str]:
    """RFC 2231 sections of about `size` characters, never cutting a %XX escape (a UTF-8
    character may still be split between two sections: its bytes are joined first)."""
    out, current = [], ""
    for index, ch in enumerate(encoded):
        starts_escape = ch == "%" or index == 0
        if len(current) >= size and starts_escape:
            out.append(current)
            current = ""
        current += ch
    return [*out, current]


def pct(text: str, charset: str) -> str:
    return "".join(
        chr(b) if chr(b).isalnum() and b < 128 else f"%{b:02X}" for b in text.encode(charset)
    )


ROUNDTRIP = {
    "subject": PHRASE,
    "text_contains": [f"{PHRASE}."],
    "attachments": [f"{PHRASE}.pdf"],
}


@case(
    "roundtrip-utf8-q-rfc2231-continuations.eml",
    case="1E: the phrase through a Q subject, QP body, RFC 2231 name with continuations",
    **ROUNDTRIP,
)
def _() -> bytes:
    parts = sections(pct(PHRASE + ".pdf", "utf-8"))
    params = ";\r\n ".join(
        f"filename*{n}*={'utf-8' + chr(39) + 'fr' + chr(39) if n == 0 else ''}{text}"
        for n, text in enumerate(parts)
    )
    return roundtrip("utf-8", q_word(PHRASE), "quoted-printable", params)


@case(
    "roundtrip-utf8-b-rfc2047-filename.eml",
    case="1E, H8: B subject, base64 body, RFC 2047 word in a quoted filename",
    **ROUNDTRIP,
)
def _() -> bytes:
    return roundtrip("utf-8", b_word(PHRASE), "base64", f'filename="{b_word(PHRASE + ".pdf")}"')


@case(
    "roundtrip-utf8-raw-8bit-headers.eml",
    case="1E: raw 8-bit UTF-8 Subject and filename (no encoding at all)",
    **ROUNDTRIP,
    defects=["raw_8bit_header"],
)
def _() -> bytes:
    return head(PHRASE.encode()) + multipart(
        "mixed",
        [
            text_body(f"Bonjour,\n\n{PHRASE}.\n", "utf-8", "8bit"),
            lines(
                "Content-Type: application/pdf",
                f'Content-Disposition: attachment; filename="{PHRASE}.pdf"',
                "Content-Transfer-Encoding: base64",
                "",
            )
            + b64(PDF),
        ],
        "rt",
    )


for _charset in ("windows-1252", "windows-1254", "windows-1258", "macintosh", "gb18030"):

    def _build(charset: str = _charset) -> bytes:
        return roundtrip(
            charset,
            q_word(PHRASE, charset),
            "quoted-printable" if charset.startswith("windows") else "base64",
            f"filename*={charset}''{pct(PHRASE + '.pdf', charset)}",
        )

    case(
        f"roundtrip-{_charset}.eml",
        case=f"1E: the phrase in {_charset} through subject, body and RFC 2231 file name",
        **ROUNDTRIP,
    )(_build)


@case(
    "charset-h8-split-multibyte-word.eml",
    case="H8: an encoded word split in the middle of a UTF-8 character, across folded lines",
    subject="Réclamation urgente",
    text_contains=["Texte."],
)
def _() -> bytes:
    return head(b"=?UTF-8?Q?R=C3?=\r\n =?UTF-8?Q?=A9clamation_?=\r\n\t=?UTF-8?B?dXJnZW50ZQ==?=") + (
        text_body("Texte.\n")
    )


@case(
    "charset-h9-rfc2231-continuation.eml",
    case="H9: filename*0*=UTF-8''%C3%A9t%C3%A9; filename*1*=_2026.pdf",
    attachments=["été_2026.pdf"],
)
def _() -> bytes:
    return head("Pièce jointe") + multipart(
        "mixed",
        [
            plain("Voir pièce jointe.\n"),
            attachment("filename*0*=UTF-8''%C3%A9t%C3%A9; filename*1*=_2026.pdf", PDF),
        ],
        "h9",
    )


# === 1C — threading headers =======================================================================

_MANY = [f"<thread.{n}@exemple.fr>" for n in range(60)]


@case(
    "threading-references-many-folded-junk.eml",
    case="F14–F16, H25: 60 folded References with junk and comments; In-Reply-To with a comment",
    message_id="reply.61@exemple.fr",
    in_reply_to=["thread.59@exemple.fr"],
    references=[i.strip("<>") for i in _MANY],
    defects=["raw_8bit_header", "unlabelled_8bit"],
    subject="Re: Re: Re: suivi",
    text_contains=["Toujours rien reçu."],
)
def _() -> bytes:
    refs = ""
    for index, item in enumerate(_MANY):
        refs += item + (
            "\r\n\t" if index % 3 == 2 else " , junk (a comment) " if index % 5 == 0 else " "
        )
    return lines(
        "From: Hélène <helene@exemple.fr>".encode(),
        "Subject: Re: Re: Re: suivi",
        f"Date: {DATE}",
        "Message-ID:   < reply.61@exemple.fr >  ",
        "In-Reply-To: <thread.59@exemple.fr> (Hélène's message of Mon, 2 Mar 2026)".encode(),
        f"References: {refs.strip()}",
        "",
        "Toujours rien reçu.",
    )


@case(
    "threading-in-reply-to-only.eml",
    case="F14 (UVdesk #397), H25: a reply with In-Reply-To only, ids without <>",
    in_reply_to=["ack.42@guichet.example", "other@guichet.example"],
    references=[],
    message_id="no-brackets@exemple.fr",
    subject="Re: [#EJ-26-00042] Votre demande",
    text_contains=["Merci pour votre retour."],
)
def _() -> bytes:
    return lines(
        "From: client@exemple.fr",
        "Subject: Re: [#EJ-26-00042] Votre demande",
        f"Date: {DATE}",
        "Message-ID: no-brackets@exemple.fr",
        "In-Reply-To: ack.42@guichet.example other@guichet.example",
        "",
        "Merci pour votre retour.",
    )


@case(
    "headers-h22-missing-from-date-id.eml",
    case="H22: no Message-ID, no Date, no From",
    sender="",
    message_id="",
    date="none",
    text_contains=["Un message sans en-têtes d'identité."],
    defects=["missing_date", "missing_from", "missing_message_id", "raw_8bit_header"],
    subject="Sans identité",
)
def _() -> bytes:
    return lines("Subject: Sans identité", "Content-Type: text/plain; charset=utf-8", "") + (
        "Un message sans en-têtes d'identité.\r\n".encode()
    )


@case(
    "headers-h22-empty-from-and-id.eml",
    case="H22: empty From and Message-ID: <>",
    sender="",
    message_id="",
    text_contains=["Corps présent."],
    defects=["missing_from", "missing_message_id", "unlabelled_8bit"],
    subject="Vide",
)
def _() -> bytes:
    return lines("From: ", "Subject: Vide", "Message-ID: <>", f"Date: {DATE}", "") + (
        "Corps présent.\r\n".encode()
    )


@case(
    "headers-duplicates.eml",
    case="1G, H29: two From, Subject, Date and Message-ID headers: the first is used",
    subject="Premier sujet",
    sender="first@exemple.fr",
    message_id="first@exemple.fr",
    date="2026-03-03T10:00:00+01:00",
    defects=["duplicate_from", "duplicate_subject", "duplicate_date", "duplicate_message_id"],
    text_contains=["Corps."],
)
def _() -> bytes:
    return lines(
        "From: First <first@exemple.fr>",
        "From: Second <second@evil.example>",
        "Subject: Premier sujet",
        "Subject: Second sujet",
        f"Date: {DATE}",
        "Date: Wed, 04 Mar 2026 10:00:00 +0100",
        "Message-ID: <first@exemple.fr>",
        "Message-ID: <second@exemple.fr>",
        "",
        "Corps.",
    )


@case(
    "headers-h30-h13-injection.eml",
    case="H30, H13, S1: CR/LF and HTML in the subject and the display name (encoded)",
    subject='Hello Bcc: victim@evil.example "><img src=x onerror=alert(1)>',
    sender="bob@exemple.fr",
    sender_name="Bob Bcc: v@x.com",
    text_contains=["Texte."],
)
def _() -> bytes:
    return lines(
        "From: =?utf-8?Q?Bob=0D=0ABcc=3A_v=40x=2Ecom?= <bob@exemple.fr>",
        "Subject: =?utf-8?Q?Hello=0D=0ABcc:_victim@evil.example?=",
        ' "><img src=x onerror=alert(1)>',
        f"Date: {DATE}",
        "Message-ID: <inj@exemple.fr>",
        "",
        "Texte.",
    )


@case(
    "headers-h29-display-name-spoof.eml",
    case='H29, CVE-2023-27043: From: "alice@brand-a.com" <mallory@evil.com>',
    sender="mallory@evil.com",
    sender_name="alice@brand-a.com",
)
def _() -> bytes:
    return head("Spoof", '"alice@brand-a.com" <mallory@evil.com>') + plain("Texte.\n")


@case(
    "headers-h29-double-at.eml",
    case="H29, CVE-2023-27043: From: alice@brand-a.com@evil.com is refused, not routed as alice",
    sender="",
    defects=["unparseable_from"],
    text_contains=["Texte."],
)
def _() -> bytes:
    return head("Spoof", "alice@brand-a.com@evil.com") + plain("Texte.\n")


@case(
    "headers-malformed-from-chatmail.eml",
    case="1G (chatmail/core #3769): a malformed From does not stop the message",
    sender="",
    subject="Malformed",
    text_contains=["Le message passe quand même."],
    defects=["unparseable_from"],
)
def _() -> bytes:
    return head("Malformed", '<<<@>>> "unterminated <a@@b>') + plain(
        "Le message passe quand même.\n"
    )


@case(
    "headers-bad-date.eml",
    case="1H: an unreadable Date",
    date="none",
    defects=["bad_date", "missing_message_id"],
    subject="x",
    text_contains=["Corps."],
)
def _() -> bytes:
    return lines("From: a@exemple.fr", "Date: le 3 mars vers midi", "Subject: x", "", "Corps.")


@case(
    "headers-date-unknown-zone.eml",
    case="1H: -0000 (zone unknown) gives an aware UTC datetime",
    date="2026-03-03T10:00:00+00:00",
    defects=["missing_message_id"],
    subject="x",
    text_contains=["Corps."],
)
def _() -> bytes:
    return lines(
        "From: a@exemple.fr", "Date: Tue, 3 Mar 2026 10:00:00 -0000", "Subject: x", "", "Corps."
    )


# === 1F — attachments ==============================================================================


@case(
    "attachments-h10-h11-hostile-names.eml",
    case="H10, H11, S22, F27: traversal, devices, NUL, CR/LF, HTML, bidi override, 300 characters",
    attachments=[
        "passwd",
        "win.ini",
        "_CON",
        "a.pdf%00.exe",
        "x" * 196 + ".pdf",
        "<img src=x onerror=alert(1)>.png",
        '"evil Set-Cookie: a=b".pdf',
        "facture fdp.exe",
        "a.pdf .exe",
        "attachment.pdf",
    ],
    text_contains=["Voir les pièces jointes."],
)
def _() -> bytes:
    names = [
        'filename="../../etc/passwd"',
        'filename="..\\\\..\\\\win.ini"',
        'filename="CON"',
        'filename="a.pdf%00.exe"',
        f'filename="{"x" * 300}.pdf"',
        'filename="<img src=x onerror=alert(1)>.png"',
        'filename="=?utf-8?Q?=22evil=0D=0ASet-Cookie:_a=3Db=22.pdf?="',
        "filename*=utf-8''facture%E2%80%AEfdp.exe",
        "filename*=utf-8''a.pdf%00.exe",
        'filename="../"',
    ]
    return head("Pièces jointes") + multipart(
        "mixed", [plain("Voir les pièces jointes.\n")] + [attachment(n, PDF) for n in names], "h10"
    )


@case(
    "attachments-h14-disguised-types.eml",
    case="H14, S25, F27 (osTicket #1212): declared types are recorded, never trusted",
    attachments=["facture.pdf.exe", "photo.png", "archive.zip", "dessin.svg", "page.html"],
    content_types=["application/pdf", "text/html", "image/jpeg", "image/svg+xml", "text/html"],
)
def _() -> bytes:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    return head("Types") + multipart(
        "mixed",
        [
            plain("Fichiers.\n"),
            attachment('filename="facture.pdf.exe"', b"MZ\x90\x00", "application/pdf"),
            attachment('filename="photo.png"', b"<script>alert(1)</script>", "text/html"),
            attachment('filename="archive.zip"', b"PK\x03\x04", "image/jpeg"),
            attachment('filename="dessin.svg"', svg, "image/svg+xml"),
            attachment('filename="page.html"', b"<script>alert(1)</script>", "text/html"),
        ],
        "h14",
    )


@case(
    "attachments-blank-body.eml",
    case="django-helpdesk #700: a blank body with one attachment",
    attachments=["scan.pdf"],
    text="",
)
def _() -> bytes:
    return head("") + multipart(
        "mixed", [plain(""), attachment('filename="scan.pdf"', PDF)], "blank"
    )


@case(
    "attachments-percent-and-text-file.eml",
    case="F30 (FreeScout 1.8.109): % in a name; a text/plain attachment is not the body",
    attachments=["100% remboursé.pdf", "notes.txt"],
    text_contains=["Le corps du message."],
    new_text_excludes=["contenu du fichier"],
)
def _() -> bytes:
    return head("Pourcentage") + multipart(
        "mixed",
        [
            plain("Le corps du message.\n"),
            attachment("filename*=utf-8''100%25%20rembours%C3%A9.pdf", PDF),
            lines(
                'Content-Type: text/plain; charset=utf-8; name="notes.txt"',
                "Content-Transfer-Encoding: 8bit",
                "",
                "contenu du fichier",
            ),
        ],
        "pct",
    )


@case(
    "limits-h16-one-part-too-large.eml",
    case="H16, F6, F26: a part over the per-attachment limit is withheld with its name and size",
    options={"max_attachment_bytes": 10_000},
    attachments=["petit.pdf", "gros.bin"],
    withheld={"gros.bin": "too_large"},
    defects=["attachment_too_large"],
    text_contains=["Deux fichiers."],
)
def _() -> bytes:
    return head("Gros fichier") + multipart(
        "mixed",
        [
            plain("Deux fichiers.\n"),
            attachment('filename="petit.pdf"', PDF),
            attachment('filename="gros.bin"', bytes(range(256)) * 80, "application/octet-stream"),
        ],
        "big",
    )


@case(
    "limits-h16-total-too-large.eml",
    case="H16: once the total limit is reached, further parts are withheld",
    options={"max_total_attachment_bytes": 5_000},
    attachments=["un.bin", "deux.bin", "trois.bin"],
    withheld={"trois.bin": "total_too_large"},
    defects=["attachments_total_too_large"],
)
def _() -> bytes:
    blob = bytes(range(256)) * 8
    return head("Total") + multipart(
        "mixed",
        [plain("Trois fichiers.\n")]
        + [
            attachment(f'filename="{n}.bin"', blob, "application/octet-stream")
            for n in ("un", "deux", "trois")
        ],
        "tot",
    )


@case(
    "limits-h16-too-many-parts.eml",
    case="H16, F26 (FreeScout #4293): parts beyond max_parts are listed withheld",
    options={"max_parts": 10},
    attachments=[f"piece-{n:02d}.pdf" for n in range(30)],
    withheld={f"piece-{n:02d}.pdf": "too_many_parts" for n in range(8, 30)},
    defects=["too_many_parts"],
    text_contains=["Trente pièces."],
)
def _() -> bytes:
    return head("Trente") + multipart(
        "mixed",
        [plain("Trente pièces.\n")]
        + [attachment(f'filename="piece-{n:02d}.pdf"', PDF) for n in range(30)],
        "many",
    )


@case(
    "limits-250-attachments.eml",
    case="H16: 250 attachments with the default limit of 200 parts",
    text_contains=["Beaucoup de pièces."],
    attachments=[f"p{n}.txt" for n in range(250)],
    withheld={f"p{n}.txt": "too_many_parts" for n in range(198, 250)},
    defects=["too_many_parts"],
)
def _() -> bytes:
    return head("Beaucoup") + multipart(
        "mixed",
        [plain("Beaucoup de pièces.\n")]
        + [attachment(f'filename="p{n}.txt"', b"x", "text/plain") for n in range(250)],
        "b250",
    )


# === TNEF ==========================================================================================

RTF = (
    b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
    b"{\\*\\generator Microsoft Exchange Server;}\\pard\\f0\\fs20 Bonjour,\\par\\par "
    b"R\\'e9clamation colis ab\\'eem\\'e9 \\'96 rembours\\'e9ment d\\'fb : le colis est arriv\\'e9 "
    b"cass\\'e9.\\par Cordialement,\\par Jean\\par }"
)


@case(
    "tnef-h18-rtf-body-pdf-traversal.eml",
    case="H18, F27 (Zammad #2403, MSGReader 6.1.4): RTF body, a PDF, traversal names",
    text_contains=["le colis est arrivé cassé."],
    attachments=["Réclamation.pdf", "evil.pdf"],
    content_types=["application/pdf", "application/pdf"],
)
def _() -> bytes:
    data = tnef(
        [mapi_value(0x0102, 0x1009, lzfu(RTF))],
        [
            (
                b"RECLAM~1.PDF",
                PDF,
                [long_filename("..\\..\\Réclamation.pdf"), mime_tag("application/pdf")],
            ),
            (b"../../../etc/cron.d/evil.pdf", PDF, []),
        ],
    )
    return head("Colis", "Jean Outlook <jean@exemple.fr>") + multipart(
        "mixed", [winmail(data)], "tnef"
    )


@case(
    "tnef-plain-body-zip.eml",
    case="F27 (osTicket #1212): a zip inside TNEF is listed; the TNEF text body is used",
    text_contains=["Voici le fichier compressé demandé."],
    attachments=["photos.zip"],
)
def _() -> bytes:
    data = tnef(
        [
            mapi_value(
                0x001E, 0x1000, "Voici le fichier compressé demandé.".encode("cp1252") + b"\x00"
            )
        ],
        [(b"photos.zip", b"PK\x03\x04" + b"\x00" * 26, [])],
    )
    return head("Zip") + multipart("mixed", [plain(""), winmail(data)], "tz")


@case(
    "tnef-corrupt-count.eml",
    case="H21: a winmail.dat announcing 4 billion properties stays one opaque attachment",
    attachments=["winmail.dat"],
    defects=["tnef_unreadable"],
    text_contains=["Le corps en texte."],
)
def _() -> bytes:
    bad = (
        struct.pack("<IH", 0x223E9F78, 1)
        + tnef_object(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
        + tnef_object(1, 0x9003, 0x0006, struct.pack("<I", 0xFFFFFFFF))
    )
    return head("TNEF") + multipart("mixed", [plain("Le corps en texte.\n"), winmail(bad)], "bad")


# === inline images and HTML ========================================================================


@case(
    "inline-h20-cid-without-disposition.eml",
    case="H20, F28 (chatwoot #11948): a cid: image with no Content-Disposition is inline",
    attachments=["logo.png"],
    inline=["logo.png"],
    html_contains=['src="cid:logo@exemple.fr"'],
    text_contains=["Voici notre logo."],
)
def _() -> bytes:
    return head("Logo") + multipart(
        "related",
        [
            html_part('<p>Voici notre logo.</p><img src="cid:logo@exemple.fr">'),
            lines(
                'Content-Type: image/png; name="logo.png"',
                "Content-ID: <logo@exemple.fr>",
                "Content-Transfer-Encoding: base64",
                "",
            )
            + b64(PNG),
        ],
        "rel",
        '; type="text/html"',
    )


@case(
    "inline-h20-src-without-cid-scheme.eml",
    case='H20, F28 (osTicket #779): <img src="image001.png"> mapped to the part\'s cid:',
    attachments=["image001.png", "image002.png"],
    inline=["image001.png", "image002.png"],
    html_contains=['src="cid:image001.png"', 'src="cid:loc@x"'],
    html_excludes=["tracker.example"],
    text_contains=["Photos :"],
)
def _() -> bytes:
    return head("Images") + multipart(
        "related",
        [
            html_part(
                "<p>Photos :</p><img src=\"image001.png\"><img src='images/Image002.PNG'>"
                '<img src="https://tracker.example/pixel.gif">'
            ),
            lines(
                "Content-Type: image/png",
                'Content-Disposition: inline; filename="image001.png"',
                "Content-Transfer-Encoding: base64",
                "",
            )
            + b64(PNG),
            lines(
                "Content-Type: image/png",
                "Content-Location: images/Image002.PNG",
                "Content-ID: <loc@x>",
                'Content-Disposition: inline; filename="image002.png"',
                "Content-Transfer-Encoding: base64",
                "",
            )
            + b64(PNG),
        ],
        "rel2",
    )


@case(
    "html-h12-hostile.eml",
    case="H12, S10, S30: scripts, handlers, javascript:, iframe, meta refresh, base, form, svg",
    text_contains=["Mon colis n'est jamais arrivé."],
    html_contains=["Mon colis n'est jamais arrivé."],
    html_excludes=[
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "srcdoc",
        "http-equiv",
        "<base",
        "<form",
        "foreignObject",
        "@import",
        "evil.example",
    ],
)
def _() -> bytes:
    html = (
        '<html><head><meta http-equiv="refresh" content="0;url=https://evil.example">'
        '<base href="https://evil.example/"><style>@import url(https://evil.example/x.css);</style>'
        '<script>alert(1)</script></head><body onload="alert(2)">'
        '<p>Mon colis n\'est jamais arrivé.</p><img src=x onerror="alert(3)">'
        '<a href="javascript:alert(4)">lien</a><iframe srcdoc="<script>alert(5)</script>"></iframe>'
        '<form action="https://evil.example"><input name=p></form>'
        "<svg><foreignObject><script>alert(6)</script></foreignObject></svg>"
        '<img src="https://evil.example/pixel.gif"></body></html>'
    )
    return head("HTML") + html_part(html)


@case(
    "html-alternative-empty-plain.eml",
    case="F28-like: an empty text/plain alternative does not hide the HTML text",
    text_contains=["Le texte n'est que dans le HTML."],
)
def _() -> bytes:
    return head("Alternative") + multipart(
        "alternative", [plain(""), html_part("<p>Le texte n'est que dans le HTML.</p>")], "alt"
    )


# === calendar ======================================================================================

ICS = (
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nORGANIZER;CN=Hélène Lefèvre:mailto:helene@exemple.fr\r\n"
    "ATTENDEE;CN=Service Client;RSVP=TRUE:mailto:support@guichet.example\r\n"
    "SUMMARY;LANGUAGE=fr-FR:Réunion de conciliation\\, dossier EJ-26-00042\r\n"
    "DTSTART;TZID=Romance Standard Time:20260305T100000\r\n"
    "DTEND;TZID=Romance Standard Time:20260305T110000\r\n"
    "LOCATION:Agence de Lyon\\; salle 2\r\n"
    "DESCRIPTION:Nous proposons de faire le point sur la réclamation.\\nMerci de\r\n"
    "  confirmer.\r\n"
    "X-ALT-DESC;FMTTYPE=text/html:<html><body><script>alert(1)</script>x</body></html>\r\n"
    "BEGIN:VALARM\r\nDESCRIPTION:REMINDER\r\nEND:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@case(
    "calendar-h19-invite-only.eml",
    case="H19, F29 (osTicket #4114, GLPI #17869): a message whose only part is text/calendar",
    text_contains=["Summary: Réunion de conciliation, dossier EJ-26-00042"],
    calendar_contains=[
        "Invitation",
        "Start: 2026-03-05 10:00 (Romance Standard Time)",
        "End: 2026-03-05 11:00 (Romance Standard Time)",
        "Location: Agence de Lyon; salle 2",
        "Organizer: Hélène Lefèvre <helene@exemple.fr>",
        "Merci de confirmer.",
    ],
    attachments=["invite.ics"],
)
def _() -> bytes:
    return (
        head("Invitation : Réunion de conciliation")
        + lines(
            'Content-Type: text/calendar; charset="utf-8"; method=REQUEST',
            "Content-Transfer-Encoding: 8bit",
            "",
        )
        + ICS.encode()
    )


@case(
    "calendar-outlook-alternative.eml",
    case="H19: Outlook's alternative of text, HTML and calendar",
    text_contains=["Je vous propose un rendez-vous."],
    calendar_contains=["Summary: Réunion de conciliation"],
    attachments=["invite.ics"],
)
def _() -> bytes:
    return head("Rendez-vous") + multipart(
        "alternative",
        [
            plain("Je vous propose un rendez-vous.\n"),
            html_part("<p>Je vous propose un rendez-vous.</p>"),
            lines(
                'Content-Type: text/calendar; charset="utf-8"; method=REQUEST',
                "Content-Transfer-Encoding: base64",
                "",
            )
            + b64(ICS.encode()),
        ],
        "cal",
    )


# === nested messages ===============================================================================

INNER = head("Commande 1234", "Zoé <zoe@exemple.fr>", message_id="<inner@exemple.fr>") + multipart(
    "mixed",
    [
        plain("Le message transféré dit que la commande est partie.\n"),
        attachment('filename="photo.png"', PNG, "image/png"),
    ],
    "inner",
)


@case(
    "nested-f30-forwarded-rfc822.eml",
    case="F30 (osTicket #3029, #971): an attached message; its text and its image are kept",
    new_text_contains=["Je vous transfère le message de Zoé."],
    new_text_excludes=["la commande est partie"],
    quoted_contains=[
        "Le message transféré dit que la commande est partie.",
        "Subject: Commande 1234",
    ],
    attachments=["photo.png"],
)
def _() -> bytes:
    return head("Fwd: Commande 1234") + multipart(
        "mixed",
        [
            plain("Je vous transfère le message de Zoé.\n"),
            lines(
                "Content-Type: message/rfc822",
                'Content-Disposition: attachment; filename="commande.eml"',
                "",
            )
            + INNER,
        ],
        "fwd",
    )


@case(
    "nested-rfc822-base64.eml",
    case="F30: a message/rfc822 part sent in base64 (not allowed, yet sent) is still read",
    text_contains=["Le message transféré dit que la commande est partie."],
    attachments=["photo.png"],
)
def _() -> bytes:
    return head("Fwd") + multipart(
        "mixed",
        [
            plain("Transfert.\n"),
            lines("Content-Type: message/rfc822", "Content-Transfer-Encoding: base64", "")
            + b64(INNER),
        ],
        "fwd64",
    )


@case(
    "nested-message-in-message.eml",
    case="F30: a forwarded message that forwards another one",
    subject="Fwd: Fwd: Commande",
    text_contains=["Le message transféré dit que la commande est partie.", "Deuxième niveau."],
    attachments=["photo.png"],
)
def _() -> bytes:
    middle = head(
        "Fwd: Commande", "Marc <marc@exemple.fr>", message_id="<middle@exemple.fr>"
    ) + multipart(
        "mixed",
        [plain("Deuxième niveau.\n"), lines("Content-Type: message/rfc822", "") + INNER],
        "mid",
    )
    return head("Fwd: Fwd: Commande") + multipart(
        "mixed",
        [plain("Premier niveau.\n"), lines("Content-Type: message/rfc822", "") + middle],
        "top",
    )


# === 1G / H21 — malformed and poison messages =====================================================


@case(
    "malformed-h21-missing-close-boundary.eml",
    case="H21: the closing boundary is missing",
    text_contains=["Le texte avant la fin manquante."],
    attachments=["a.pdf"],
    defects=["close_boundary_not_found"],
)
def _() -> bytes:
    return (
        head("Sans fin")
        + lines('Content-Type: multipart/mixed; boundary="nofin"', "", "--nofin")
        + plain("Le texte avant la fin manquante.\n")
        + b"\r\n--nofin\r\n"
        + attachment('filename="a.pdf"', PDF)
    )


@case(
    "malformed-h21-undeclared-boundary.eml",
    case="H21: multipart without a boundary parameter is read as text",
    text_contains=["Ce texte est dans un multipart sans boundary."],
    defects=["multipart_invariant_violation", "no_boundary_in_multipart"],
)
def _() -> bytes:
    return head("Sans boundary") + lines(
        "Content-Type: multipart/mixed", "", "Ce texte est dans un multipart sans boundary."
    )


@case(
    "malformed-h21-nul-bytes.eml",
    case="H21: NUL bytes in headers and body (PostgreSQL refuses NUL in text)",
    subject="Avec NUL",
    text_contains=["Texte avec un octet nul."],
    defects=["missing_date", "missing_message_id"],
)
def _() -> bytes:
    return lines(
        "From: a@exemple.fr", b"Subject: Avec\x00 NUL", "", b"Texte avec\x00 un octet nul."
    )


@case(
    "malformed-h21-deep-nesting.eml",
    case="H21, F31 (Zammad #1877 'MIME of death'): 60 nested multiparts",
    text_contains=["Le texte du haut est gardé."],
    attachments=["attachment.bin"],
    withheld={"attachment.bin": "too_deep"},
    defects=["too_deep"],
)
def _() -> bytes:
    body = plain("Le plus profond.\n")
    for level in range(60):
        body = multipart("mixed", [body], f"deep{level}")
    return head("Profond") + multipart(
        "mixed", [plain("Le texte du haut est gardé.\n"), body], "top"
    )


@case(
    "malformed-truncated-base64.eml",
    case="1F, H21: a message cut in the middle of a base64 attachment",
    attachments=["coupe.pdf"],
    text_contains=["Fichier coupé."],
    defects=["close_boundary_not_found", "truncated_base64"],
)
def _() -> bytes:
    whole = head("Coupé") + multipart(
        "mixed", [plain("Fichier coupé.\n"), attachment('filename="coupe.pdf"', PDF * 20)], "cut"
    )
    return whole[: len(whole) - 700]


@case(
    "malformed-garbage-headers.eml",
    case="1G (Zammad #345): a continuation first line, lines without colon, 8-bit names",
    subject="Après le chaos",
    text_contains=["Le corps est là."],
    defects=[
        "first_header_line_is_continuation",
        "missing_date",
        "missing_header_body_separator",
        "missing_message_id",
        "raw_8bit_header",
        "unlabelled_8bit",
    ],
)
def _() -> bytes:
    return (
        b" continuation first\r\nFrom: a@exemple.fr\r\n"
        + "Subject: Après le chaos\r\n".encode()
        + b"X-\xe9t\xe9: value\r\nthis line has no colon\r\n\r\nLe corps est l\xc3\xa0.\r\n"
    )


@case(
    "malformed-no-headers.eml",
    case="1G: no header block at all",
    text_contains=["Juste du texte, sans en-tête."],
    defects=[
        "missing_date",
        "missing_from",
        "missing_header_body_separator",
        "missing_message_id",
        "unlabelled_8bit",
    ],
    subject="",
)
def _() -> bytes:
    return "Juste du texte, sans en-tête.\r\nDeuxième ligne.\r\n".encode()


@case(
    "malformed-empty.eml",
    case="1G: zero bytes",
    sender="",
    subject="",
    defects=["missing_from", "missing_date", "missing_message_id"],
    text="",
)
def _() -> bytes:
    return b""


@case(
    "malformed-bad-base64-text.eml",
    case="1G: a base64 text body with invalid characters and no padding",
    text_contains=["Bonjour"],
)
def _() -> bytes:
    return head("b64") + lines(
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        "Qm9u!!am91*cg",
    )


@case(
    "malformed-unknown-transfer-encoding.eml",
    case="RFC 2049: an unknown transfer encoding is opaque",
    attachments=["data.bin"],
    defects=["unknown_transfer_encoding"],
)
def _() -> bytes:
    return head("cte") + multipart(
        "mixed",
        [
            plain("Texte.\n"),
            lines(
                "Content-Type: application/octet-stream",
                'Content-Disposition: attachment; filename="data.bin"',
                "Content-Transfer-Encoding: x-weird",
                "",
                "opaque",
            ),
        ],
        "cte",
    )


@case(
    "malformed-lf-only.eml",
    case="1G: LF line endings, unknown multipart subtype read as mixed (RFC 2049)",
    text_contains=["Fins de ligne LF."],
    attachments=["a.pdf"],
)
def _() -> bytes:
    return (
        head("LF")
        + multipart(
            "x-unknown", [plain("Fins de ligne LF.\n"), attachment('filename="a.pdf"', PDF)], "lf"
        )
    ).replace(b"\r\n", b"\n")


@case(
    "malformed-cr-only.eml",
    case="1G: old Mac CR line endings",
    subject="CR",
    text_contains=["Fins de ligne CR."],
)
def _() -> bytes:
    return (head("CR") + plain("Fins de ligne CR.\n")).replace(b"\r\n", b"\r")


@case(
    "empty-body.eml",
    case="1G: headers and nothing else",
    subject="Rien",
    new_text_contains=[],
)
def _() -> bytes:
    return lines("From: a@exemple.fr", "Subject: Rien", f"Date: {DATE}", "Message-ID: <rien@x>")


# === 1D — robots and bounces =======================================================================


@case(
    "robot-h1-auto-submitted-ooo.eml",
    case="H1, F20: Auto-Submitted: auto-replied (a French out-of-office)",
    robot="auto-submitted",
    auto_reply=True,
    subject="Réponse automatique : Votre demande EJ-26-00042",
)
def _() -> bytes:
    return head(
        "Réponse automatique : Votre demande EJ-26-00042",
        "Marc <marc@exemple.fr>",
        "Auto-Submitted: auto-replied",
    ) + plain("Je suis absent jusqu'au 10 mars.\n")


@case(
    "robot-outlook-automatic-reply.eml",
    case="F20: Exchange's 'Automatic reply:' with X-Auto-Response-Suppress only",
    robot="auto-reply-subject",
    auto_reply=True,
)
def _() -> bytes:
    return head(
        "Automatic reply: Your request", "Marc <marc@exemple.com>", "X-Auto-Response-Suppress: All"
    ) + plain("I am out of the office.\n")


@case(
    "robot-absence-du-bureau.eml",
    case="F20: 'Absence du bureau' subject",
    robot="auto-reply-subject",
    auto_reply=True,
)
def _() -> bytes:
    return head("Absence du bureau : Re: colis") + plain("Absent.\n")


@case(
    "robot-autosvar.eml",
    case="F20: Scandinavian 'Autosvar'",
    robot="auto-reply-subject",
    auto_reply=True,
)
def _() -> bytes:
    return head("Autosvar: Ordre 1234") + plain("Fraværende.\n")


@case(
    "robot-customer-subject-out-of-office-chair.eml",
    case="F20: a customer's 'Out of office chair broken' is a person",
    robot="",
    auto_reply=False,
)
def _() -> bytes:
    return head("Out of office chair broken on arrival") + plain("The chair arrived broken.\n")


@case(
    "robot-h5-precedence-bulk.eml",
    case="H5: Precedence: bulk",
    robot="precedence-bulk",
    auto_reply=False,
)
def _() -> bytes:
    return head("Promo", "Shop <news@shop.example>", "Precedence: bulk") + plain("Soldes.\n")


@case("robot-h5-list-id.eml", case="H5: List-Id newsletter", robot="list", auto_reply=False)
def _() -> bytes:
    return head(
        "Newsletter",
        "News <news@shop.example>",
        "List-Id: <news.shop.example>",
        "List-Unsubscribe: <mailto:u@shop.example>",
    ) + plain("Lettre.\n")


@case("robot-noreply-sender.eml", case="F20: a no-reply sender", robot="noreply")
def _() -> bytes:
    return head("Votre commande", "Boutique <ne-pas-repondre@shop.example>") + plain("Expédiée.\n")


@case(
    "robot-x-autoreply.eml",
    case="F20: X-Autoreply: yes",
    robot="auto-reply-header",
    auto_reply=True,
)
def _() -> bytes:
    return head("Re: colis", "Marc <marc@exemple.fr>", "X-Autoreply: yes") + plain("Absent.\n")


@case(
    "robot-auto-submitted-no.eml",
    case="RFC 3834: Auto-Submitted: no is a person",
    robot="",
    auto_reply=False,
)
def _() -> bytes:
    return head("Question", "Marc <marc@exemple.fr>", "Auto-Submitted: no") + plain(
        "Une question.\n"
    )


@case(
    "robot-x-auto-response-suppress-only.eml",
    case="sisimai #491: X-Auto-Response-Suppress asks for no auto-reply; it is not one",
    robot="auto-response-suppress",
    auto_reply=False,
)
def _() -> bytes:
    return head(
        "Question", "Marc <marc@exemple.fr>", "X-Auto-Response-Suppress: OOF, AutoReply"
    ) + plain("Une vraie question.\n")


@case(
    "robot-null-return-path.eml",
    case="RFC 3834 §3: a null return path",
    robot="null-return-path",
    return_path="",
)
def _() -> bytes:
    return (
        lines("Return-Path: <>")
        + head("Notification", "Service <service@shop.example>")
        + plain("Note.\n")
    )


@case(
    "bounce-h2-dsn-postfix.eml",
    case="H2, F21 (Frappe #3628): RFC 3464 report from MAILER-DAEMON with Return-Path <>",
    robot="bounce",
    auto_reply=False,
    sender="MAILER-DAEMON@mx.guichet.example",
    return_path="",
    bounce={
        "original_message_id": "out.1234@guichet.example",
        "recipient": "client@exemple.fr",
        "status": "5.1.1",
        "action": "failed",
    },
    defects=["unlabelled_8bit"],
)
def _() -> bytes:
    original = lines(
        "From: Service Client <support@guichet.example>",
        "To: client@exemple.fr",
        "Subject: Votre demande EJ-26-00042",
        "Message-ID: <out.1234@guichet.example>",
        "",
        "Votre demande est enregistrée.",
    )
    return (
        lines("Return-Path: <>")
        + head(
            "Undelivered Mail Returned to Sender",
            "MAILER-DAEMON@mx.guichet.example (Mail Delivery System)",
            "Auto-Submitted: auto-replied",
            message_id="<bounce.1@mx.guichet.example>",
        )
        + multipart(
            "report",
            [
                plain(
                    "This is the mail system at host mx.guichet.example.\n\nI'm sorry to have to inform you that your message could not be delivered.\n"
                ),
                lines("Content-Type: message/delivery-status", "")
                + lines(
                    "Reporting-MTA: dns; mx.guichet.example",
                    "Original-Envelope-Id: ENV-42",
                    "",
                    "Final-Recipient: rfc822; client@exemple.fr",
                    "Original-Recipient: rfc822;client@exemple.fr",
                    "Action: failed",
                    "Status: 5.1.1",
                    "Diagnostic-Code: smtp; 550 5.1.1 <client@exemple.fr>: Recipient address rejected",
                ),
                lines("Content-Type: message/rfc822", "") + original,
            ],
            "dsn",
            "; report-type=delivery-status",
        )
    )


@case(
    "bounce-dsn-rfc822-headers-delayed.eml",
    case="H2: Exchange-style report with text/rfc822-headers, a transient 4.4.7",
    robot="bounce",
    bounce={
        "original_message_id": "out.77@guichet.example",
        "recipient": "lent@exemple.fr",
        "status": "4.4.7",
        "action": "delayed",
    },
)
def _() -> bytes:
    return head("Delivery Status Notification (Delay)", "postmaster@exemple.fr") + multipart(
        "report",
        [
            plain("Delivery is delayed to these recipients.\n"),
            lines("Content-Type: message/delivery-status", "")
            + lines(
                "Reporting-MTA: dns;exemple.fr",
                "",
                "Final-Recipient: rfc822;lent@exemple.fr",
                "Action: delayed",
                "Status: 4.4.7",
            ),
            lines("Content-Type: text/rfc822-headers", "")
            + lines(
                "From: support@guichet.example",
                "Message-ID: <out.77@guichet.example>",
                "Subject: x",
            ),
        ],
        "dsn2",
        "; report-type=delivery-status",
    )


@case(
    "bounce-exim-plain-text.eml",
    case="H2: Exim's plain-text bounce with a copy of the message",
    robot="bounce",
    bounce={
        "original_message_id": "out.555@guichet.example",
        "recipient": "absent@exemple.fr",
        "status": "5.1.1",
        "action": "failed",
    },
)
def _() -> bytes:
    return (
        lines("Return-Path: <>")
        + head(
            "Mail delivery failed: returning message to sender",
            "Mail Delivery System <Mailer-Daemon@mx.exemple.fr>",
            message_id="<exim.1@mx.exemple.fr>",
        )
        + plain(
            "This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n"
            "  absent@exemple.fr\n"
            "    host mx.exemple.fr [192.0.2.1]\n"
            "    SMTP error from remote mail server after RCPT TO:<absent@exemple.fr>:\n"
            "    550 5.1.1 User unknown\n\n"
            "------ This is a copy of the message, including all the headers. ------\n\n"
            "Return-path: <support@guichet.example>\n"
            "Message-ID: <out.555@guichet.example>\n"
            "From: support@guichet.example\n"
            "Subject: Votre demande\n\nTexte.\n"
        )
    )


@case(
    "bounce-qmail-plain-text.eml",
    case="H2: qmail's 'failure notice'",
    robot="bounce",
    bounce={
        "original_message_id": "out.9@guichet.example",
        "recipient": "nobody@exemple.fr",
        "status": "5.1.1",
        "action": "failed",
    },
)
def _() -> bytes:
    return head("failure notice", "MAILER-DAEMON@qmail.exemple.fr") + plain(
        "Hi. This is the qmail-send program at qmail.exemple.fr.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<nobody@exemple.fr>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n"
        "550 sorry, no mailbox here by that name\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "Message-ID: <out.9@guichet.example>\nFrom: support@guichet.example\n\nTexte.\n"
    )


@case(
    "bounce-forwarded-by-customer.eml",
    case="F17/F21: a customer forwarding a bounce is a person, not a bounce",
    robot="",
    bounce="none",
    new_text_contains=["Mon e-mail vous est revenu, pouvez-vous vérifier ?"],
)
def _() -> bytes:
    return head("Fwd: Undelivered Mail Returned to Sender", "Client <client@exemple.fr>") + plain(
        "Mon e-mail vous est revenu, pouvez-vous vérifier ?\n\n"
        "---------- Forwarded message ---------\n"
        "From: MAILER-DAEMON@mx.exemple.fr\nSubject: Undelivered Mail\n\n"
        "Message-ID: <x@y>\n550 5.1.1 unknown\n"
    )


@case(
    "report-read-receipt.eml",
    case="RFC 8098: a read receipt (multipart/report; disposition-notification) is a robot",
    robot="report",
    bounce="none",
)
def _() -> bytes:
    return head("Lu : Votre demande", "Marc <marc@exemple.fr>") + multipart(
        "report",
        [
            plain("Votre message a été lu.\n"),
            lines("Content-Type: message/disposition-notification", "")
            + lines(
                "Final-Recipient: rfc822; marc@exemple.fr",
                "Disposition: manual-action/MDN-sent-manually; displayed",
            ),
        ],
        "mdn",
        "; report-type=disposition-notification",
    )


# === quoting =======================================================================================


@case(
    "quoting-gmail-fr-wrapped-attribution.eml",
    case="1C: Gmail's French attribution wrapped over two lines",
    new_text_contains=["Le colis est toujours bloqué au dépôt."],
    new_text_excludes=["a écrit", "Votre demande a bien été enregistrée"],
    quoted_contains=["> Votre demande a bien été enregistrée."],
)
def _() -> bytes:
    return head("Re: Votre demande", "Zoé <zoe@exemple.fr>") + plain(
        "Bonjour,\n\nLe colis est toujours bloqué au dépôt.\n\nZoé\n\n"
        "Le lun. 3 mars 2026 à 10:00, Service Client <support@guichet.example> a\n"
        "écrit :\n\n> Votre demande a bien été enregistrée.\n> Cordialement\n"
    )


@case(
    "quoting-outlook-fr-header-block.eml",
    case="1C (chatwoot #10028): Outlook's French header block without > quotes",
    new_text_contains=["Je confirme l'adresse de livraison."],
    new_text_excludes=["Objet"],
    quoted_contains=["Envoyé : lundi 2 mars 2026 10:00"],
)
def _() -> bytes:
    return head("RE: Livraison", "Marc <marc@exemple.fr>") + plain(
        "Je confirme l'adresse de livraison.\n\nMarc\n\n"
        "________________________________\n"
        "De : Service Client <support@guichet.example>\n"
        "Envoyé : lundi 2 mars 2026 10:00\n"
        "À : Marc <marc@exemple.fr>\n"
        "Objet : Livraison\n\nMerci de confirmer votre adresse.\n"
    )


@case(
    "quoting-outlook-en-original-message.eml",
    case="1C: Outlook's -----Original Message----- separator",
    new_text_contains=["Please cancel the order."],
    new_text_excludes=["Original Message"],
)
def _() -> bytes:
    return head("RE: Order", "Mark <mark@example.com>") + plain(
        "Please cancel the order.\n\n-----Original Message-----\n"
        "From: Support <support@guichet.example>\nSent: Monday, March 2, 2026 10:00 AM\n"
        "To: Mark\nSubject: Order\n\nYour order is confirmed.\n"
    )


@case(
    "quoting-iphone-signature.eml",
    case="1C: 'Envoyé de mon iPhone' and an English attribution with quotes",
    new_text_contains=["D'accord pour le remboursement."],
    new_text_excludes=["iPhone"],
    quoted_contains=["Envoyé de mon iPhone"],
)
def _() -> bytes:
    return head("Re: Remboursement", "Zoé <zoe@exemple.fr>") + plain(
        "D'accord pour le remboursement.\n\nEnvoyé de mon iPhone\n\n"
        "> On Mon, Mar 2, 2026 at 10:00 AM Support <support@guichet.example> wrote:\n> Refund?\n"
    )


@case(
    "quoting-format-flowed.eml",
    case="RFC 3676: format=flowed soft breaks are joined; quoted lines are folded",
    new_text_contains=[
        "Je souhaite être remboursée intégralement pour cette commande qui n'est jamais arrivée."
    ],
    new_text_excludes=["Ancien message"],
)
def _() -> bytes:
    return (
        head("Re: Commande", "Zoé <zoe@exemple.fr>")
        + lines(
            'Content-Type: text/plain; charset="utf-8"; format=flowed; delsp=no',
            "Content-Transfer-Encoding: 8bit",
            "",
        )
        + (
            "Je souhaite être remboursée intégralement pour cette \r\ncommande qui n'est jamais "
            "arrivée.\r\n\r\n> Ancien message \r\n> sur deux lignes.\r\n"
        ).encode()
    )


@case(
    "quoting-everything-quoted.eml",
    case="1C: when everything looks quoted, the new text is the whole text",
    new_text_contains=["> Seule une citation."],
)
def _() -> bytes:
    return head("Re: x") + plain("> Seule une citation.\n> Rien d'autre.\n")


def manifest_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        out = '"'
        for ch in value:
            if ch in '"\\':
                out += "\\" + ch
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out += f"\\u{ord(ch):04X}"
            else:
                out += ch
        return out + '"'
    if isinstance(value, list):
        return "[" + ", ".join(manifest_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{manifest_value(k)} = {manifest_value(v)}" for k, v in value.items())
            + " }"
        )
    raise TypeError(value)


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    lines_out = [
        "# What parse_email must give for each file of this folder (see generate.py).",
        "# Written by generate.py: edit the script, not this file.",
        "",
    ]
    for name, make, stated in CASES:
        WRITTEN.clear()
        files[name] = make()
        expected = dict(stated)
        if "subject" in WRITTEN:
            expected.setdefault("subject", WRITTEN["subject"])
        if "text" in WRITTEN and "text_contains" not in expected:
            expected["text_contains"] = [WRITTEN["text"]]
        lines_out.append(f"[messages.{manifest_value(name)}]")
        for key, value in expected.items():
            lines_out.append(f"{key} = {manifest_value(value)}")
        lines_out.append("")
    files["expected.toml"] = "\n".join(lines_out).encode("utf-8")
    return files


def main() -> None:
    files = build()
    for old in HERE.glob("*.eml"):
        if old.name not in files:
            old.unlink()
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files) - 1} messages and expected.toml to {HERE}", file=sys.stderr)


if __name__ == "__main__":
    main()
