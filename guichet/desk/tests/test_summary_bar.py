"""Who handles this ticket now, at which level, until when: always in the ticket's head —
the handler (agent and team), the level by its name in the brand's policy, the next
deadline (what, when in the brand's time zone, how long is left, amber then red). After
an escalation nobody has the ticket yet: the head says so, and offers those who may hand
tickets out the people of that level. The properties panel saves everything at once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.choices import Status
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def head(client, ticket: Ticket, prefix: str = "") -> str:
    html = client.get(prefix + reverse("desk:ticket", args=[ticket.reference])).content.decode()
    return html[html.index('<header id="head"') : html.index("</header>", html.index('id="head"'))]


def test_the_head_says_who_at_which_level_until_when(client, world):
    services.ticket_assign(ticket=fresh(world.ticket), actor=world.lead, assignee=world.agent)
    client.force_login(world.agent)
    shown = head(client, world.ticket)
    assert "Traité par" in shown and "<strong>Agent</strong>" in shown
    assert "Service clients (niveau 1)" in shown  # the team
    assert "Niveau 1 – service clients" in shown  # the level, as the policy names it
    assert "niveau 1 sur 3" in shown
    # The next deadline: what it is, when in Jamaica (EJ's time zone), how long is left.
    assert "Première réponse" in shown
    assert "mar 24 novembre, 09:00 EST" in shown and 'datetime="2026-11-24T09:00:00-05:00"' in shown
    assert "dans 1 j 0 h" in shown and 'class="deadline ok"' in shown
    english = head(client, world.ticket, "/en")
    assert "Handled by" in english and "Level 1 – customer service" in english
    assert "level 1 of 3" in english and "First response" in english
    assert "Tue 24 November, 09:00 EST" in english and "in 1 d 0 h" in english


def test_the_deadline_turns_amber_then_red(client, world, frozen_clock):
    client.force_login(world.agent)
    frozen_clock.advance(timedelta(hours=21))
    shown = head(client, world.ticket)
    assert 'class="deadline soon"' in shown and "dans 3 h 00 min" in shown
    frozen_clock.advance(timedelta(hours=5))
    shown = head(client, world.ticket)
    assert 'class="deadline late"' in shown and "en retard de 2 h 00 min" in shown


def test_a_ticket_awaiting_the_customer_says_its_clock_is_paused(client, world):
    services.ticket_reply(
        ticket=fresh(world.ticket),
        actor=world.agent,
        text="Pouvez-vous nous envoyer le relevé ?",
        status_after=Status.WAITING_CUSTOMER,
    )
    client.force_login(world.agent)
    shown = head(client, world.ticket, "/en")
    deadline = shown[shown.index('class="deadline') : shown.index("</dd>", shown.index("Next"))]
    assert "Full written answer" in deadline and "paused while the customer is awaited" in deadline
    assert "<time" not in deadline  # no time is counting


def test_after_an_escalation_the_head_says_nobody_has_it_and_offers_the_level_s_people(
    client, world
):
    services.ticket_assign(ticket=fresh(world.ticket), actor=world.lead, assignee=world.agent)
    services.ticket_escalate(
        ticket=fresh(world.ticket), actor=world.agent, reason="Litige sur le montant."
    )
    client.force_login(world.lead)
    shown = head(client, world.ticket)
    assert 'class="who nobody"' in shown and "Personne pour l’instant" in shown
    assert "Galerie en ligne" in shown or "galerie" in shown.lower()  # the level's team
    assert "Niveau 2 – département concerné" in shown and "niveau 2 sur 3" in shown
    assert "Première réponse" in shown  # still the next promise to the customer
    # Hand it to someone of the level: its team's investigator, or a team lead (the roles
    # the policy names for it) — not the front-line agents.
    assert 'id="handoff-form"' in shown
    offered = shown[shown.index('<select name="assignee" id="handoff">') :]
    offered = offered[: offered.index("</select>")]
    assert f'value="{world.investigator.pk}"' in offered and f'value="{world.lead.pk}"' in offered
    assert f'value="{world.agent.pk}"' not in offered
    assert f'value="{world.agent2.pk}"' not in offered
    handed = client.post(
        reverse("desk:assign", args=[world.ticket.reference]),
        {"assignee": world.investigator.pk, "revision": fresh(world.ticket).revision},
        **HTMX,
    )
    assert handed.status_code == 200 and fresh(world.ticket).assignee == world.investigator
    after = handed.content.decode()
    assert "<strong>Investigator</strong>" in after and 'id="handoff-form"' not in after


def test_an_agent_is_told_nobody_has_it_but_cannot_hand_it_out(client, world):
    services.ticket_escalate(ticket=fresh(world.ticket), actor=world.agent, reason="Litige.")
    client.force_login(world.agent)
    shown = head(client, world.ticket)
    assert "Personne pour l’instant" in shown and 'id="handoff-form"' not in shown
    assert 'id="take-form"' in shown


def test_the_properties_are_saved_with_one_button_assignee_and_team_included(client, world):
    client.force_login(world.lead)
    ticket = fresh(world.ticket)
    with brand_scope(world.ej):
        gallery = world.ej.teams.get(key="gallery")
    page = client.get(reverse("desk:ticket", args=[ticket.reference])).content.decode()
    panel = page[page.index('id="fields-form"') : page.index("</form>", page.index("fields-form"))]
    for name in ("status", "priority", "assignee", "team", "category", "contact_type"):
        assert f'name="{name}"' in panel
    assert panel.count('type="submit"') == 1
    saved = client.post(
        reverse("desk:fields", args=[ticket.reference]),
        {
            "contact_type": ticket.contact_type,
            "category": ticket.category,
            "priority": "urgent",
            "complexity": ticket.complexity,
            "status": Status.OPEN,
            "assignee": world.investigator.pk,
            "team": gallery.pk,
            "revision": ticket.revision,
        },
        **HTMX,
    )
    assert saved.status_code == 200
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.status) == ("urgent", Status.OPEN)
    assert (ticket.assignee, ticket.team) == (world.investigator, gallery)


def test_an_agent_s_panel_has_no_assignee_and_someone_of_another_brand_is_refused(client, world):
    client.force_login(world.agent)
    page = client.get(reverse("desk:ticket", args=[world.ticket.reference])).content.decode()
    panel = page[page.index('id="fields-form"') : page.index("</form>", page.index("fields-form"))]
    assert 'name="assignee"' not in panel and 'name="priority"' in panel
    client.force_login(world.lead)
    ticket = fresh(world.ticket)
    refused = client.post(
        reverse("desk:fields", args=[ticket.reference]),
        {
            "contact_type": ticket.contact_type,
            "category": ticket.category,
            "priority": ticket.priority,
            "complexity": ticket.complexity,
            "status": Status.OPEN,
            "assignee": world.outsider.pk,
            "team": "",
            "revision": ticket.revision,
        },
        **HTMX,
    )
    assert refused.status_code == 400 and fresh(world.ticket).assignee is None
