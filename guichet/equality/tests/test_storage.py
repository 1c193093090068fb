"""Equality answers are stored apart from the ticket (RP-3): counts per month, with no
link to the ticket or the customer, nothing written on the ticket, and one answer set per
ticket at most — remembered by a keyed digest, not by the ticket's id."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import models
from django.test import override_settings

from guichet.conftest import World
from guichet.equality import queries, services
from guichet.equality.models import EqualityCount, EqualityFormUse
from guichet.equality.tests.conftest import counts, open_ticket, uses
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Event, Ticket


def answer(world: World, ticket: Ticket, **chosen: str) -> None:
    with brand_scope(ticket.brand_id):
        services.equality_answer(brand=ticket.brand, ticket=ticket, answers=chosen)


@pytest.mark.parametrize("model", [EqualityCount, EqualityFormUse])
def test_the_tables_name_no_ticket_no_customer_no_moment_and_hold_no_text(model):
    relations = [f for f in model._meta.get_fields() if f.is_relation]
    assert [(f.name, f.related_model._meta.label) for f in relations] == [("brand", "brands.Brand")]
    for field in model._meta.get_fields():
        assert not isinstance(field, (models.TextField, models.DateTimeField))
        assert "ticket" not in field.name and "contact" not in field.name.replace(
            "contact_type", ""
        )
    # No serial number either: nothing to line the rows up with a moment.
    if model is EqualityFormUse:
        assert model._meta.pk.name == "digest"


def test_answers_are_counted_not_kept_per_person(world: World):
    for sex in ("woman", "woman", "man"):
        ticket = open_ticket(world.ej, world.customer, category="billing")
        answer(world, ticket, age="25-34", sex=sex)
    assert counts(world.ej) == {
        ("age", "25-34"): 3,
        ("sex", "woman"): 2,
        ("sex", "man"): 1,
        ("disability", "prefer_not_to_say"): 3,
    }
    with brand_scope(world.ej):
        rows = list(EqualityCount.objects.values_list("month", "contact_type", "category"))
    # One row per cell, not per answer; the month is all that is kept of the moment.
    assert len(rows) == 4
    assert set(rows) == {(datetime(2026, 11, 1).date(), "complaint", "billing")}


def test_the_month_is_the_brands(world: World, frozen_clock: clock.FrozenClock):
    # 1 December 03:00 UTC is still 30 November in Jamaica (UTC-5).
    frozen_clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    answer(world, world.ticket, age="under-25")
    with brand_scope(world.ej):
        months = set(EqualityCount.objects.values_list("month", flat=True))
    assert months == {datetime(2026, 11, 1).date()}


def test_nothing_is_written_on_the_ticket(world: World):
    with brand_scope(world.ej):
        before = (Event.objects.filter(ticket=world.ticket).count(), world.ticket.revision)
    answer(world, world.ticket, sex="woman")
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(pk=world.ticket.pk)
        assert (Event.objects.filter(ticket=ticket).count(), ticket.revision) == before


def test_one_answer_set_per_ticket(world: World):
    answer(world, world.ticket, sex="woman")
    with pytest.raises(InvalidRequest, match="déjà comptées"):
        answer(world, world.ticket, sex="man")
    assert counts(world.ej)[("sex", "woman")] == 1 and ("sex", "man") not in counts(world.ej)
    with brand_scope(world.ej):
        assert not queries.equality_offered(world.ej, world.ticket)
    # Another request of the same customer has its own form.
    other = open_ticket(world.ej, world.customer)
    answer(world, other, sex="man")
    assert counts(world.ej)[("sex", "man")] == 1


def test_two_submissions_at_once_meet_on_the_digest(world: World, monkeypatch):
    answer(world, world.ticket, sex="woman")
    # The second request read "not used" before the first committed.
    monkeypatch.setattr(services, "form_used", lambda ticket: False)
    monkeypatch.setattr(services, "equality_offered", lambda brand, ticket: True)
    with pytest.raises(InvalidRequest, match="déjà comptées"):
        answer(world, world.ticket, sex="man")
    assert ("sex", "man") not in counts(world.ej) and uses(world.ej) == 1


def test_the_mark_of_a_used_form_is_a_keyed_digest(world: World):
    answer(world, world.ticket, sex="woman")
    with brand_scope(world.ej):
        (stored,) = EqualityFormUse.objects.values_list("digest", flat=True)
    assert stored == queries.form_use_digest(world.ticket)
    # Not a plain hash of the ticket, which anyone could compute for every ticket id.
    plain = {f"{world.ej.pk}:{world.ticket.pk}", str(world.ticket.pk), world.ticket.reference}
    assert stored not in {hashlib.sha256(text.encode()).hexdigest() for text in plain}
    # Another key gives another digest: the table alone does not say which tickets answered.
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert queries.form_use_digest(world.ticket) != stored
        with brand_scope(world.ej):
            assert not queries.form_used(world.ticket)
    # Rotated with the old key kept as a fallback, the form stays used.
    with (
        override_settings(
            SECRET_KEY="another-secret-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
        ),
        brand_scope(world.ej),
    ):
        assert queries.form_used(world.ticket)


def test_a_declined_or_missing_answer_is_prefer_not_to_say(world: World):
    answer(world, world.ticket, age="prefer_not_to_say")
    assert counts(world.ej) == {
        ("age", "prefer_not_to_say"): 1,
        ("sex", "prefer_not_to_say"): 1,
        ("disability", "prefer_not_to_say"): 1,
    }


@pytest.mark.parametrize(
    "chosen", [{"age": "forty"}, {"religion": "none"}, {"sex": "under-25"}], ids=str
)
def test_an_answer_the_policy_does_not_have_is_refused(world: World, chosen):
    with pytest.raises(InvalidRequest):
        answer(world, world.ticket, **chosen)
    assert counts(world.ej) == {} and uses(world.ej) == 0


def test_only_complaints_and_disputes_of_a_monitoring_brand(world: World):
    question = open_ticket(world.ej, world.customer, contact_type="question")
    with pytest.raises(InvalidRequest):
        answer(world, question, sex="woman")
    jamla = open_ticket(world.jamla, world.other_customer, contact_type="dispute")
    with pytest.raises(InvalidRequest):
        answer(world, jamla, sex="woman")
    assert counts(world.ej) == {} and counts(world.jamla) == {}


def test_answers_are_counted_for_the_tickets_brand_only(world: World):
    # The EJ ticket, handed to the service as if for Jamla24: refused, nothing counted.
    with brand_scope([world.ej, world.jamla]), pytest.raises(InvalidRequest):
        services.equality_answer(brand=world.jamla, ticket=world.ticket, answers={})
    assert counts(world.ej) == {} and counts(world.jamla) == {}
