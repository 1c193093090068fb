"""Complaints about a team member (docs/requirements.md AB-3, Respect: "Votre plainte sera
ensuite examinée par un membre de l'équipe de direction et ils vous écriront avec leurs
conclusions"): routed to the policy's `agent_complaints_to`, invisible to the person
concerned on every path (404, not 403), never theirs to take or decide, concluded in
writing to the customer."""

from __future__ import annotations

import pytest

from guichet.conftest import VerifiedClient
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.portal.services import WebRequest, web_request_open
from guichet.tickets import services
from guichet.tickets.choices import Outcome, Verb
from guichet.tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db


def complaint(respect, *, staff_member="Respect-agent Durand", category="agent-conduct"):
    return web_request_open(
        brand=respect.brand,
        request=WebRequest(
            email="claire@exemple.fr",
            name="Claire Petit",
            language="fr",
            contact_type="complaint",
            category=category,
            subject="Conseiller désagréable",
            text="Le conseiller m'a raccroché au nez deux fois.",
            staff_member=staff_member,
        ),
    )


def signed_in(user) -> VerifiedClient:
    client = VerifiedClient()
    client.force_login(user)
    return client


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.select_related("brand", "contact").get(pk=ticket.pk)


def test_the_form_names_the_agent_and_the_complaint_goes_to_management(respect):
    ticket = fresh(complaint(respect))
    assert ticket.about_agent and ticket.concerned_agent == respect.agent
    assert ticket.concerned_agent_name == "Respect-agent Durand"
    policy = respect.brand.get_policy()
    assert policy.level_at(ticket.level).key == "management"
    with brand_scope(respect.brand):
        assert Event.objects.filter(ticket=ticket, verb=Verb.AGENT_CONCERNED).exists()


def test_a_topic_about_the_staff_routes_even_without_a_name(respect):
    ticket = fresh(complaint(respect, staff_member=""))
    assert ticket.about_agent and ticket.concerned_agent is None
    assert respect.brand.get_policy().level_at(ticket.level).key == "management"


def test_an_ambiguous_or_unknown_name_is_kept_for_the_staff_to_set(respect):
    ticket = fresh(complaint(respect, staff_member="Quelqu'un", category="order"))
    assert ticket.about_agent and ticket.concerned_agent is None
    assert ticket.concerned_agent_name == "Quelqu'un"
    services.ticket_set_concerned_agent(ticket=ticket, actor=respect.manager, agent=respect.agent)
    assert fresh(ticket).concerned_agent == respect.agent


def test_the_agent_concerned_cannot_see_it_anywhere(respect):
    ticket = complaint(respect)
    reference = ticket.reference
    agent = signed_in(respect.agent)
    for url in (
        f"/desk/t/{reference}/",
        f"/desk/t/{reference}/timeline/",
        f"/api/v1/tickets/{reference}",
        f"/api/v1/tickets/{reference}/events",
        f"/api/v1/tickets/{reference}/abuse-flags",
    ):
        assert agent.get(url).status_code == 404, url
    assert reference not in agent.get("/api/v1/tickets").content.decode()
    assert reference not in agent.get("/desk/search/", {"q": "désagréable"}).content.decode()
    assert reference not in agent.get("/desk/inbox/escalated/").content.decode()
    # What the search and lists would show anyone else who may see it:
    manager = signed_in(respect.manager)
    assert reference in manager.get("/desk/search/", {"q": "désagréable"}).content.decode()
    assert reference in manager.get("/desk/inbox/escalated/").content.decode()
    # Their colleague and the manager see it.
    assert signed_in(respect.manager).get(f"/desk/t/{reference}/").status_code == 200
    assert signed_in(respect.agent2).get(f"/api/v1/tickets/{reference}").status_code == 200


def test_the_agent_concerned_is_never_given_it(respect):
    ticket = complaint(respect)
    with pytest.raises(InvalidRequest) as refused:
        services.ticket_assign(ticket=fresh(ticket), actor=respect.manager, assignee=respect.agent)
    assert refused.value.code == "assignee"
    # A complaint about oneself is for someone else to name.
    other = fresh(complaint(respect, staff_member="", category="order"))
    with pytest.raises(InvalidRequest):
        services.ticket_set_concerned_agent(
            ticket=other, actor=respect.manager, agent=respect.manager
        )


def test_naming_the_person_who_holds_it_takes_it_from_them(respect):
    ticket = fresh(complaint(respect, staff_member="", category="order"))
    services.ticket_assign(ticket=ticket, actor=respect.manager, assignee=respect.agent2)
    services.ticket_set_concerned_agent(
        ticket=fresh(ticket), actor=respect.manager, agent=respect.agent2
    )
    assert fresh(ticket).assignee is None


def test_a_manager_concludes_in_writing(respect):
    ticket = fresh(complaint(respect))
    services.ticket_assign(ticket=ticket, actor=respect.manager, assignee=respect.manager)
    services.ticket_close(
        ticket=fresh(ticket),
        actor=respect.manager,
        outcome=Outcome.UPHELD,
        summary="Nous avons revu l'appel avec le conseiller et présentons nos excuses.",
    )
    with brand_scope(respect.brand):
        texts = list(OutboundEmail.objects.filter(ticket=ticket).values_list("text", flat=True))
        outcome = Event.objects.get(ticket=ticket, verb=Verb.REPLIED, data__letter="outcome")
    assert outcome.actor_label == "system"
    assert any("revu l'appel" in text for text in texts)


def test_the_api_says_who_it_is_about_and_staff_set_it(respect):
    from django.test import Client

    from guichet.accounts.models import Role
    from guichet.api.keys import api_key_create
    from guichet.api.tests.conftest import Caller

    ticket = complaint(respect, staff_member="")
    _key, token = api_key_create(
        brand=respect.brand, name="CRM", scopes=["read", "write"], role=Role.MANAGER
    )
    api = Caller(Client(), token)
    body = api.get(f"/api/v1/tickets/{ticket.reference}").json()
    assert body["about_agent"] is True and body["concerned_agent"] is None
    answer = api.post(
        f"/api/v1/tickets/{ticket.reference}/concerned-agent", {"agent": respect.agent.pk}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["concerned_agent"]["id"] == respect.agent.pk
    outsider = api.post(
        f"/api/v1/tickets/{ticket.reference}/concerned-agent", {"agent": respect.outsider.pk}
    )
    assert outsider.status_code == 400 and outsider.json()["code"] == "assignee"
