"""The demo: about 300 tickets over 60 days, covering every kind of thing a brand has, and
the scripted scenes of sellers, returns and credits (test_scenes.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count

from guichet.accounts.models import Membership, User
from guichet.demo.scenes import SCENES
from guichet.demo.tests.test_coherence import (
    every_demo_ticket_is_routed_filed_answered_and_decided_coherently,
)
from guichet.lib.scoping import all_brands
from guichet.tickets.choices import Outcome, Status, Verb
from guichet.tickets.models import Event, Message, Ticket

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TOTAL = 300 + len(SCENES)


@pytest.fixture
def demo(presets):
    from guichet.demo.loader import load_demo

    return load_demo(now=NOW)


@pytest.mark.django_db
def test_the_demo_loaded_once(demo, presets, settings, capsys):
    """One load of the demo (15 to 20 s) for all that is read of it; running it again last."""
    covers_every_brand_type_category_channel_level_and_outcome(demo, presets)
    people_sign_in_with_the_demo_password(settings)
    staff_work_in_their_brands_time_zone_with_canned_replies_in_both_languages(presets)
    every_demo_ticket_is_routed_filed_answered_and_decided_coherently(presets)  # test_coherence.py
    brands_with_a_phone_have_three_weeks_of_calls(presets)
    brands_with_chat_have_three_weeks_of_chats(presets)
    running_demo_again_adds_nothing(capsys)


def brands_with_chat_have_three_weeks_of_chats(presets):
    """The chat's figures and transcripts have something to show; the queue starts empty."""
    from guichet.chat.models import ChatSession, ChatState, EndReason

    with all_brands():
        for slug, brand in presets.items():
            chats = ChatSession.objects.filter(brand=brand)
            if brand.get_policy().channel("chat") is None:
                assert not chats.exists(), slug
                continue
            assert chats.count() >= 20, slug
            assert not chats.exclude(state=ChatState.ENDED).exists()
            assert chats.filter(end_reason=EndReason.ABANDONED).exists()
            assert chats.filter(rating__isnull=False).exists()
            assert chats.filter(accepted_at__isnull=False).count() >= chats.count() * 0.7


def brands_with_a_phone_have_three_weeks_of_calls(presets):
    """The caller log, the callbacks and the 30 s figure have something to show."""
    from guichet.telephony.models import Call, Callback, CallOutcome

    with all_brands():
        for slug, brand in presets.items():
            calls = Call.objects.filter(brand=brand)
            if brand.get_policy().channel("phone") is None:
                assert not calls.exists(), slug
                continue
            outcomes = set(calls.values_list("outcome", flat=True))
            assert calls.count() >= 40 and {CallOutcome.ANSWERED, CallOutcome.MISSED} <= outcomes
            assert calls.filter(wait_s__gt=30).exists() and calls.filter(wait_s__lte=30).exists()
            assert calls.filter(contact__isnull=False).exists()
            waiting = Callback.objects.filter(brand=brand, done_at__isnull=True)
            assert (
                waiting.exists()
                or not calls.filter(
                    outcome=CallOutcome.MISSED, started_at__gte=NOW - timedelta(days=6)
                ).exists()
            ), slug


def covers_every_brand_type_category_channel_level_and_outcome(demo, presets):
    assert demo == {slug: 60 + sum(s.brand == slug for s in SCENES) for slug in presets}
    with all_brands():
        # The live chats' tickets apart (brands_with_chat_have_three_weeks_of_chats).
        tickets = Ticket.objects.filter(chats__isnull=True)
        assert tickets.count() == TOTAL
        for slug, brand in presets.items():
            policy = brand.get_policy()
            mine = tickets.filter(brand=brand)
            assert set(mine.values_list("contact_type", flat=True)) == {
                t.type for t in policy.contact_types
            }, slug
            # Data-rights requests have no category, as the portal opens them.
            assert set(
                mine.exclude(contact_type="data_rights").values_list("category", flat=True)
            ) == {c.key for c in policy.categories}, slug
            assert set(mine.values_list("level", flat=True)) == set(
                range(1, len(policy.levels) + 1)
            ), slug
            assert set(mine.values_list("language", flat=True)) == {"fr", "en"}, slug
            channels = {c.kind for c in policy.channels} & set(
                mine.values_list("channel", flat=True)
            )
            assert channels == set(mine.values_list("channel", flat=True)), slug
        assert set(tickets.exclude(outcome="").values_list("outcome", flat=True)) == set(
            Outcome.values
        )
        assert set(tickets.values_list("status", flat=True)) == set(Status.values)
        assert set(tickets.values_list("channel", flat=True)) >= {
            "email",
            "web",
            "phone",
            "chat",
            "social",
            "letter",
            "sms",
        }
        oldest = tickets.order_by("created_at").first().created_at
        newest = tickets.order_by("created_at").last().created_at
        assert NOW - timedelta(days=61) < oldest < NOW - timedelta(days=50)
        assert NOW - timedelta(days=2) < newest <= NOW
        # Every complaint that is closed has an outcome; every ticket's story is in its events.
        assert not tickets.filter(
            contact_type="complaint", status=Status.CLOSED, outcome=""
        ).exists()
        assert Event.objects.filter(verb=Verb.OPENED, ticket__in=tickets).count() == TOTAL
        assert Event.objects.filter(verb=Verb.ESCALATED).exists()
        assert Message.objects.filter(is_internal=True).exists()
        assert not Event.objects.filter(at__gt=NOW).exists()


def people_sign_in_with_the_demo_password(settings):
    user = User.objects.get(username="ej-agent")
    assert user.check_password(settings.GUICHET_DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    assert Membership.objects.filter(brand__slug="jamla24").aggregate(n=Count("id"))["n"] == 7


def running_demo_again_adds_nothing(capsys):
    call_command("demo")
    assert "nothing added" in capsys.readouterr().out
    with all_brands():
        assert Ticket.objects.filter(chats__isnull=True).count() == TOTAL


def staff_work_in_their_brands_time_zone_with_canned_replies_in_both_languages(presets):
    from guichet.desk.canned import canned_for, fill
    from guichet.desk.models import CannedReply

    assert User.objects.get(username="jamla24-agent").time_zone == presets["jamla24"].timezone
    assert User.objects.get(username="ivoire-toner-agent").time_zone == "Africa/Abidjan"
    with all_brands():
        for brand in presets.values():
            languages = CannedReply.objects.filter(brand=brand).values_list("language", flat=True)
            assert sorted(set(languages)) == ["en", "fr"]
        ticket = Ticket.objects.filter(brand=presets["ej"], language="fr").first()
        reply = canned_for(ticket).get(language="fr", title="Accusé de lecture")
        text = fill(reply, ticket, User.objects.get(username="ej-agent"))
    assert ticket.reference in text
    assert ticket.contact.name in text
    assert "Camille Martin" in text
    assert "{{" not in text
