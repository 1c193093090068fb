"""Outbound webhooks: a brand's administrators register URLs of their own systems, which
are told of the brand's events, signed, after the change is committed.

- `events`: which event verbs become which webhook event types;
- `services`: registering, changing and removing endpoints (the URL checked against
  server-side request forgery), the deliveries made when an event is committed, replays;
- `signing`: the `Guichet-Signature` header;
- `delivery`: sending, with retries and back-off and a log of every attempt;
- `tasks`: the worker's side (right after commit, and a periodic sweep for retries);
- `routes`: /api/v1/webhooks for the brand's administrator keys.

docs/api.md ("Webhooks") describes them for integrators.
"""
