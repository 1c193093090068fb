"""The hostile corpus through the whole channel: every message ends in exactly one state, the
one its case calls for, and nothing the customer wrote is lost.

The corpus (guichet/intake/email/tests/corpus/, with what parsing must give in
expected.toml) covers sections 1A–1G and the email cases of section 4 of the reliability
notes. Here each file is stored and processed for EJ, in name order, as `ingest-eml` does."""

import tomllib
from pathlib import Path

import pytest

from guichet.intake.email import ingest
from guichet.intake.email.stats import inbound_stats
from guichet.intake.models import InboundSource, InboundState
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets.attachments import clean_filename

CORPUS = Path(__file__).resolve().parent.parent / "email" / "tests" / "corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))["messages"]


def expected_state(case: dict) -> tuple[str, str]:
    """(state, reason) the channel must reach for a case of the corpus."""
    if case.get("bounce", "none") != "none":
        return InboundState.QUARANTINED, "unmatched_bounce"  # we never sent those emails
    if case.get("sender") == "" or "missing_from" in case.get("defects", []):
        return InboundState.QUARANTINED, "no_sender"
    return InboundState.TICKET_MESSAGE, ""


@pytest.mark.django_db
def test_every_hostile_message_ends_in_the_state_its_case_calls_for(world):
    outcomes = {}
    for name in sorted(EXPECTED):
        # Most files share the placeholder <case@exemple.fr>: give each its own, or the
        # de-duplication would (rightly) keep only the first.
        raw = (
            (CORPUS / name)
            .read_bytes()
            .replace(b"<case@exemple.fr>", f"<{name}@exemple.fr>".encode())
        )
        outcomes[name] = ingest.ingest(raw, source=InboundSource.FILE, brand=world.ej)
    wrong = []
    for name, inbound in outcomes.items():
        case = EXPECTED[name]
        state, reason = expected_state(case)
        robot = bool(case.get("robot")) or case.get("auto_reply", False)
        if robot and (inbound.state, inbound.reason) == (
            InboundState.IGNORED,
            "robot_not_participant",
        ):
            # An automatic mail quoting an existing reference from someone who is not part of
            # that ticket: kept raw and counted, neither a ticket message nor answered.
            continue
        if inbound.state != state or (reason and inbound.reason != reason):
            wrong.append(
                f"{name}: {inbound.state}/{inbound.reason} {inbound.detail[:200]!r}, expected {state}/{reason}"
            )
            continue
        if state != InboundState.TICKET_MESSAGE:
            continue
        with brand_scope(world.ej):
            message = inbound.message
            text = message.text + "\n" + message.html
            for sentence in case.get("text_contains", []):
                if " ".join(sentence.split()) not in " ".join(text.split()):
                    wrong.append(f"{name}: lost {sentence!r}")
            if robot and inbound.new_ticket:
                acks = OutboundEmail.objects.filter(ticket=inbound.ticket, automatic=True).count()
                if acks:
                    wrong.append(f"{name}: a robot was answered")
            # Stored names are cleaned (no quotes, angle brackets or path parts).
            stored = {a.filename for a in message.attachments.all()}
            withheld = {clean_filename(n) for n in case.get("withheld", [])}
            missing = {clean_filename(n) for n in case.get("attachments", [])} - stored - withheld
            if missing:
                wrong.append(f"{name}: attachments not kept: {sorted(missing)}")
    assert not wrong, "\n".join(wrong)
    stats = inbound_stats(world.ej)
    assert stats["received"] == len({o.pk for o in outcomes.values()}) and stats["accounted"]
    assert stats["all_processed"]


@pytest.mark.django_db
def test_the_corpus_covers_the_cases_of_the_notes():
    cases = " ".join(case["case"] for case in EXPECTED.values())
    for reference in [
        "F23",
        "F24",
        "F25",
        "F27",
        "F28",
        "F29",
        "F31",
        "H2",
        "H6",
        "H10",
        "H14",
        "H19",
    ]:
        assert reference in cases, reference
