"""The conduct procedure as Respect's policy writes it (docs/conduct.md): detection at
intake, a person's decision, a warning letter, then the block; blocks, lifts and referrals
by the roles the policy names; a blocked customer's messages kept but never answered."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conduct import services
from guichet.conduct.detect import Severity
from guichet.conduct.models import AbuseFlag, ConductWarning, Decision, Referral
from guichet.contacts.models import Contact, ContactBlock
from guichet.intake.email import ingest
from guichet.intake.models import InboundState
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail, StaffNotification
from guichet.tickets.choices import Verb
from guichet.tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db

INSULT = "Bonjour, vous êtes vraiment une bande de connards, ma commande n'est jamais arrivée."
THREAT = "Si je n'ai pas mon remboursement demain, je vais vous tuer."


def flags(respect) -> list[AbuseFlag]:
    with brand_scope(respect.brand):
        return list(AbuseFlag.objects.order_by("pk"))


def letters(ticket: Ticket) -> list[str]:
    with brand_scope(ticket.brand_id):
        return [
            e.data.get("letter")
            for e in Event.objects.filter(ticket=ticket, verb=Verb.REPLIED).order_by("pk")
        ]


def verbs(ticket: Ticket) -> list[str]:
    with brand_scope(ticket.brand_id):
        return list(
            Event.objects.filter(ticket=ticket).order_by("pk").values_list("verb", flat=True)
        )


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.select_related("brand", "contact").get(pk=ticket.pk)


def test_an_insulting_email_flags_its_ticket_with_the_words(respect):
    inbound = respect.email(INSULT)
    ticket = fresh(inbound.ticket)
    [flag] = flags(respect)
    assert ticket.abuse_flagged_at is not None and ticket.abuse_severity == Severity.INSULT
    assert (flag.source, flag.severity, flag.decision) == ("detection", Severity.INSULT, "")
    found = [hit["found"] for hit in flag.hits]
    assert any("connard" in word.lower() for word in found)
    hit = flag.hits[0]
    assert flag.message.text[hit["start"] : hit["end"]] == hit["found"]
    flagged = [e for e in verbs(ticket) if e == Verb.ABUSE_FLAGGED]
    assert flagged == [Verb.ABUSE_FLAGGED]
    # The assignee and team leads are told (not the managers: it is no threat).
    with brand_scope(respect.brand):
        told = set(
            StaffNotification.objects.filter(kind="abuse_flag").values_list("user", flat=True)
        )
        assert respect.lead.pk in told and respect.manager.pk not in told
        assert not StaffNotification.objects.filter(kind="threat").exists()


def test_a_threat_ranks_above_an_insult_and_is_put_before_the_managers_at_once(respect):
    ticket = respect.email(INSULT).ticket
    respect.email(THREAT, reply_to=ticket.reference)
    ticket = fresh(ticket)
    assert ticket.abuse_severity == Severity.THREAT
    assert [f.severity for f in flags(respect)] == [Severity.INSULT, Severity.THREAT]
    with brand_scope(respect.brand):
        told = set(StaffNotification.objects.filter(kind="threat").values_list("user", flat=True))
    assert {respect.manager.pk, respect.director.pk} <= told
    assert respect.agent.pk not in told


def test_a_polite_email_is_not_flagged_and_the_staffs_words_are_never_read(respect):
    inbound = respect.email("Bonjour, ma commande est en retard, pouvez-vous vérifier ? Merci.")
    assert flags(respect) == [] and fresh(inbound.ticket).abuse_flagged_at is None


def test_extra_terms_of_the_policy_are_read(respect):
    respect.email("Je vais mettre un avis négatif partout si rien ne bouge.")
    [flag] = flags(respect)
    assert flag.hits[0]["extra"] is True


def test_detection_off_in_the_policy_reads_nothing(respect):
    respect.republish("detect = true", "detect = false")
    respect.email(INSULT)
    assert flags(respect) == []


def test_dismissing_a_flag_records_the_decision_and_unflags_the_ticket(respect):
    ticket = respect.email(INSULT).ticket
    [flag] = flags(respect)
    services.flag_dismiss(flag=flag, actor=respect.agent, note="Il cite le livreur.")
    flag = flags(respect)[0]
    assert (flag.decision, flag.decided_by, flag.decision_note) == (
        Decision.DISMISSED,
        respect.agent,
        "Il cite le livreur.",
    )
    ticket = fresh(ticket)
    assert ticket.abuse_flagged_at is None and ticket.abuse_severity is None
    assert verbs(ticket)[-2:] == [Verb.ABUSE_DISMISSED, Verb.ABUSE_UNFLAGGED]
    with pytest.raises(InvalidRequest):
        services.flag_dismiss(flag=flag, actor=respect.agent)


def test_confirm_warns_then_blocks_then_the_next_email_is_held_unanswered(respect):
    """Respect: one polite warning (`warnings_before_block = 1`), then the block."""
    ticket = respect.email(INSULT).ticket
    [first] = flags(respect)
    step = services.flag_confirm(flag=first, actor=respect.agent, note="Insulte.")
    assert step.warning == 1 and step.block is None
    assert letters(fresh(ticket))[-1] == "conduct_warning"
    with brand_scope(respect.brand):
        warning = OutboundEmail.objects.filter(ticket=ticket).order_by("pk").last()
        assert "dernier avertissement" in warning.text
        assert ConductWarning.objects.filter(contact=respect.customer).count() == 1

    respect.email("Bande de connards, toujours rien.", reply_to=ticket.reference)
    second = flags(respect)[-1]
    step = services.flag_confirm(flag=second, actor=respect.agent)
    assert step.block is not None and step.block.ticket_id == ticket.pk
    assert letters(fresh(ticket))[-1] == "conduct_blocked"
    assert Verb.CONTACT_BLOCKED in verbs(ticket)
    with brand_scope(respect.brand):
        assert Contact.objects.get(pk=respect.customer.pk).blocked_since is not None
        sent = OutboundEmail.objects.count()

    held = respect.email("Je voulais aussi signaler un vrai défaut du produit.")
    assert (held.state, held.reason, held.ticket) == (
        InboundState.QUARANTINED,
        "blocked_sender",
        None,
    )
    with brand_scope(respect.brand):
        assert OutboundEmail.objects.count() == sent  # auto_reply_when_blocked = false

    # A manager lifts the block; the held message is processed and opens a ticket.
    services.conduct_lift(contact=respect.customer, actor=respect.manager, reason="Excuses.")
    assert verbs(ticket)[-1] == Verb.CONTACT_UNBLOCKED
    replayed = ingest.replay(held.pk)
    assert replayed.state == InboundState.TICKET_MESSAGE and replayed.new_ticket


def test_after_a_lift_the_warnings_count_again(respect):
    ticket = respect.email(INSULT).ticket
    services.flag_confirm(flag=flags(respect)[0], actor=respect.agent)
    services.conduct_block(
        contact=respect.customer, ticket=ticket, actor=respect.lead, reason="Assez."
    )
    services.conduct_lift(contact=respect.customer, actor=respect.manager, reason="Excuses.")
    respect.email("Connard.", reply_to=ticket.reference)
    step = services.flag_confirm(flag=flags(respect)[-1], actor=respect.agent)
    assert step.warning == 1


def test_an_agent_flags_by_hand_and_that_is_the_confirmation(respect):
    ticket = respect.email("Bonjour, ma commande est en retard.").ticket
    step = services.flag_by_staff(
        ticket=ticket,
        actor=respect.agent,
        reason="Insultes au téléphone.",
        severity=Severity.INSULT,
    )
    assert step.warning == 1
    [flag] = flags(respect)
    assert (flag.source, flag.decision, flag.created_by) == ("staff", "confirmed", respect.agent)


def test_who_may_block_lift_and_refer(respect):
    ticket = respect.email(INSULT).ticket
    with pytest.raises(PermissionDenied):
        services.conduct_block(
            contact=respect.customer, ticket=ticket, actor=respect.agent, reason="x"
        )
    services.conduct_block(
        contact=respect.customer, ticket=ticket, actor=respect.lead, reason="Menaces."
    )
    # Respect: only managers lift ("La direction est responsable…").
    for person in (respect.agent, respect.lead, respect.director):
        with pytest.raises(PermissionDenied):
            services.conduct_lift(contact=respect.customer, actor=person, reason="x")
    with pytest.raises(PermissionDenied):
        services.conduct_refer(
            contact=respect.customer,
            ticket=ticket,
            actor=respect.lead,
            authority="police",
            note="x",
        )
    referral = services.conduct_refer(
        contact=respect.customer,
        ticket=ticket,
        actor=respect.manager,
        authority="police",
        note="Plainte déposée au commissariat, récépissé n° 42.",
    )
    assert verbs(ticket)[-1] == Verb.CONDUCT_REFERRED
    with brand_scope(respect.brand):
        assert Referral.objects.get().referred_by == respect.manager
        assert ContactBlock.objects.get().blocked_by == respect.lead
    assert referral.authority == "police"
    with pytest.raises(InvalidRequest) as refused:
        services.conduct_refer(
            contact=respect.customer,
            ticket=ticket,
            actor=respect.manager,
            authority="mars",
            note="x",
        )
    assert refused.value.code == "authority"


def test_referral_refused_where_the_policy_does_not_allow_it(respect):
    respect.republish("referral_allowed = true", "referral_allowed = false")
    ticket = respect.email(INSULT).ticket
    with pytest.raises(InvalidRequest) as refused:
        services.conduct_refer(
            contact=respect.customer,
            ticket=ticket,
            actor=respect.manager,
            authority="police",
            note="x",
        )
    assert refused.value.code == "policy"


def test_auto_reply_when_blocked_answers_once_a_day(respect, frozen_clock):
    respect.republish("auto_reply_when_blocked = false", "auto_reply_when_blocked = true")
    ticket = respect.email(INSULT).ticket
    services.conduct_block(
        contact=respect.customer, ticket=ticket, actor=respect.lead, reason="Assez."
    )
    with brand_scope(respect.brand):
        before = OutboundEmail.objects.filter(message__isnull=True).count()
    respect.email("Encore moi.")
    respect.email("Et encore.")
    with brand_scope(respect.brand):
        notices = OutboundEmail.objects.filter(message__isnull=True)
        assert notices.count() == before + 1
        assert "cessons notre correspondance" in notices.last().text


def test_a_blocked_customers_form_is_held_for_the_managers(respect):
    from guichet.intake.models import InboundEmail, InboundSource
    from guichet.portal.services import WebRequest, web_request_open

    ticket = respect.email(INSULT).ticket
    services.conduct_block(
        contact=respect.customer, ticket=ticket, actor=respect.lead, reason="Assez."
    )
    opened = web_request_open(
        brand=respect.brand,
        request=WebRequest(
            email="paul@exemple.fr",
            name="Paul Martin",
            language="fr",
            contact_type="complaint",
            category="product",
            subject="Défaut",
            text="Le produit est cassé, c'est une vraie réclamation.",
        ),
    )
    assert opened is None
    with brand_scope(respect.brand):
        held = InboundEmail.objects.get(source=InboundSource.WEB)
    assert (held.state, held.reason) == (InboundState.QUARANTINED, "blocked_sender")
    assert b"vraie r" in bytes(held.raw)
    services.conduct_lift(contact=respect.customer, actor=respect.manager, reason="Excuses.")
    replayed = ingest.replay(held.pk)
    assert replayed.state == InboundState.TICKET_MESSAGE
    with brand_scope(respect.brand):
        assert Ticket.objects.get(pk=replayed.ticket_id).channel == "web"


def test_merging_two_records_brings_the_flags_and_warnings_along(respect):
    from guichet.contacts.services import contact_for_email, contact_merge

    ticket = respect.email(INSULT).ticket
    services.flag_confirm(flag=flags(respect)[0], actor=respect.agent)
    other = contact_for_email(brand=respect.brand, email="paul.m@exemple.fr", name="Paul")
    contact_merge(keep=other, merge=respect.customer, actor=respect.manager)
    with brand_scope(respect.brand):
        assert ConductWarning.objects.get().contact == other
        assert AbuseFlag.objects.get().contact == other
    assert ticket


def test_a_blocked_customers_reply_on_the_portal_is_held_not_added(respect):
    from guichet.intake.models import InboundEmail, InboundSource
    from guichet.portal.services import request_reply
    from guichet.tickets.models import Message

    ticket = respect.email(INSULT).ticket
    services.conduct_block(
        contact=respect.customer, ticket=ticket, actor=respect.lead, reason="Assez."
    )
    with brand_scope(respect.brand):
        before = Message.objects.filter(ticket=ticket).count()
    request_reply(ticket=fresh(ticket), contact=respect.customer, text="Toujours rien, vraiment.")
    with brand_scope(respect.brand):
        assert Message.objects.filter(ticket=ticket).count() == before
        held = InboundEmail.objects.get(source=InboundSource.WEB)
    assert held.reason == "blocked_sender" and f"[{ticket.reference}]".encode() in bytes(held.raw)


def test_the_admin_previews_the_warning_letter_with_the_policys_count(respect):
    from guichet.notify.admin import preview_of
    from guichet.notify.letters import default_template

    subject, body = default_template("conduct_warning", "fr")
    shown = preview_of(respect.brand, "conduct_warning", "fr", subject, body)
    assert "dernier avertissement" in str(shown)
    subject, body = default_template("conduct_blocked", "en")
    assert "ending our correspondence" in str(
        preview_of(respect.brand, "conduct_blocked", "en", subject, body)
    )
