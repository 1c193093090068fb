"""Brand isolation is structural: brand-owned queries need a scope, and one brand's scope
never reaches another's data (docs/requirements.md PL-1, STYLE "Brand isolation is structural")."""

import pytest
from django.apps import apps
from django.http import Http404
from django_scopes.exceptions import ScopeError

from guichet.accounts.permissions import staff_access
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Event, Message, Ticket
from guichet.tickets.queries import access_ticket

pytestmark = pytest.mark.django_db

UNSCOPED = {
    "Brand",
    "User",
    "Membership",
    "Absence",
    "ReferenceCounter",
    "WorkerHeartbeat",
    "PeriodicRun",
    "SavedView",  # an agent's own preference, reached only through the person (desk.queries)
    "AgentPresence",  # whether a person has the chat console open (chat.services)
}


def test_every_brand_owned_model_refuses_to_query_without_a_scope(world):
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("guichet.") or model.__name__ in UNSCOPED:
            continue
        assert any(f.name == "brand" for f in model._meta.fields), f"{model.__name__} has no brand"
        with pytest.raises(ScopeError):
            list(model.objects.all())
        checked += 1
    assert checked >= 8


def test_a_brand_scope_sees_only_its_brand(world):
    with brand_scope(world.jamla):
        assert not Ticket.objects.filter(pk=world.ticket.pk).exists()
        assert not Message.objects.filter(ticket_id=world.ticket.pk).exists()
        assert not Event.objects.filter(ticket_id=world.ticket.pk).exists()
    with brand_scope(world.ej):
        assert Ticket.objects.filter(pk=world.ticket.pk).exists()


def test_access_ticket_gives_the_same_404_to_an_outsider_and_for_a_missing_ticket(world):
    assert access_ticket(staff_access(world.agent), world.ticket.reference) == world.ticket
    assert access_ticket(staff_access(world.agent), world.ticket.reference.lower()) == world.ticket
    for user, reference in [
        (world.outsider, world.ticket.reference),
        (world.agent, "EJ-26-99999"),
        (world.agent, "x" * 500),
    ]:
        with pytest.raises(Http404):
            access_ticket(staff_access(user), reference)


def test_a_superuser_reaches_every_brand(world):
    assert access_ticket(staff_access(world.superuser), world.ticket.reference) == world.ticket
