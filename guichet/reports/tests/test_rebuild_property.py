"""The read model kept live equals the one rebuilt from the events alone, whatever the
sequence of service calls (a property-based test: hypothesis draws the sequences)."""

import contextlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.lib import clock
from guichet.lib.errors import ServiceError
from guichet.reports.rebuild import rebuild
from guichet.reports.tests.facts import snapshot
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db

STEPS = [
    "reply",
    "answer",
    "escalate",
    "return",
    "outcome",
    "close",
    "reopen",
    "receive",
    "category",
    "flag",
    "survey",
    "open",
    "sweep",
]


def _step(world, tickets, step: str, pick: int, hours: int) -> None:
    ticket = tickets[pick % len(tickets)]
    staff = world.manager
    calls = {
        "reply": lambda: services.ticket_reply(ticket=ticket, actor=world.agent, text="Bonjour"),
        "answer": lambda: services.ticket_reply(
            ticket=ticket, actor=staff, text="Voici notre réponse.", full_answer=True
        ),
        "escalate": lambda: services.ticket_escalate(
            ticket=ticket, actor=staff, reason="Plus haut"
        ),
        "return": lambda: services.ticket_return_to_level(
            ticket=ticket, actor=staff, to_level=1, reason="À compléter"
        ),
        "outcome": lambda: services.ticket_set_outcome(
            ticket=ticket, actor=staff, outcome="upheld"
        ),
        "close": lambda: services.ticket_close(
            ticket=ticket, actor=staff, outcome="not_upheld", summary="Fin."
        ),
        "reopen": lambda: services.ticket_reopen(ticket=ticket, actor=staff, reason="Encore"),
        "receive": lambda: services.ticket_receive(
            ticket=ticket, contact=ticket.contact, text="Et alors ?", channel="email"
        ),
        "category": lambda: services.ticket_change(ticket=ticket, actor=staff, category="website"),
        "flag": lambda: services.ticket_flag_abuse(
            ticket=ticket, actor=world.agent, severity=2, reason="Harcèlement"
        ),
        "survey": lambda: services.ticket_record(
            ticket=ticket,
            actor=Customer(ticket.contact),
            verb=Verb.SURVEY_ANSWERED,
            data={"score": 4, "scale": 5, "not_satisfied": False, "level": ticket.level},
        ),
        "open": lambda: tickets.append(
            services.ticket_open(
                brand=world.ej,
                contact=world.customer,
                contact_type="complaint",
                subject="Encore",
                text="Un autre souci",
                channel="web",
                category="billing",
            )
        ),
        "sweep": lambda: watcher.sweep(),
    }
    # A step not allowed in the ticket's state is refused: the sequence goes on.
    with clock.frozen(clock.now() + timedelta(hours=hours)), contextlib.suppress(ServiceError):
        calls[step]()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEPS), st.integers(0, 5), st.integers(0, 60)),
        min_size=1,
        max_size=14,
    )
)
def test_live_figures_equal_a_rebuild(world, frozen_clock, steps):
    tickets = [world.ticket]
    moment = clock.now()
    for step, pick, hours in steps:
        moment += timedelta(hours=hours)
        with clock.frozen(moment):
            _step(world, tickets, step, pick, 0)
    live = snapshot()
    rebuild()
    assert snapshot() == live
