"""The demo's scripted scenes (guichet/demo/scenes.py): Jamla24's sellers are real and its
disputes show the seller's side in every state; Ivoire Toner's returns stand at each step
of their deadlines; EJ's billing error is credited. The stories' coherence is
test_coherence.py's."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, can
from guichet.brands.models import Brand
from guichet.demo import content, scenes
from guichet.demo.loader import DEMO_USERS_HELP
from guichet.lib.scoping import all_brands
from guichet.marketplace.models import (
    ContactRelease,
    Proposal,
    ReleaseStatus,
    Seller,
    SellerStatus,
    SellerStatusChange,
    Strike,
)
from guichet.sla.models import Deadline
from guichet.tickets.choices import Status, Verb
from guichet.tickets.models import Event, Payment, Ticket

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[list[str]]:
    """The presets and the demo loaded once for the module's tests (each runs in a
    transaction rolled back after it), the database emptied after them as a transactional
    test leaves it."""
    from guichet.conftest import PRESETS, publish_preset
    from guichet.demo.loader import load_demo

    with django_db_blocker.unblock():
        slugs = [publish_preset(path.stem).slug for path in sorted(PRESETS.glob("*.toml"))]
        load_demo(now=NOW, per_brand=3)  # the scenes do not depend on the drawn tickets
    yield slugs
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(loaded: list[str], db: Any) -> dict[str, Brand]:
    return {slug: Brand.objects.get(slug=slug) for slug in loaded}


def ticket(key: str) -> Ticket:
    scene = next(scene for scene in scenes.SCENES if scene.key == key)
    subject = scene.subject[scene.language].format(ref=scene.ref)
    return Ticket.objects.select_related("seller").get(brand__slug=scene.brand, subject=subject)


def deadline(of: Ticket, kind: str) -> Deadline:
    return Deadline.objects.filter(ticket=of, kind=kind).latest("pk")


def seller(name: str) -> Seller:
    return Seller.objects.get(brand__slug="jamla24", name=name)


@pytest.mark.django_db
def test_every_scene_is_played_to_the_end_of_its_script_once(demo):
    with all_brands():
        for scene in scenes.SCENES:
            written = ticket(scene.key).messages.filter(is_automatic=False).count()
            assert written == 1 + len(scene.texts()), scene.key
        assert Event.objects.filter(at__gt=NOW).count() == 0
        before = Ticket.objects.count()
    from guichet.demo.loader import load_demo

    assert load_demo(now=NOW, per_brand=1) == dict.fromkeys(demo, 1)  # no scene again
    with all_brands():
        assert Ticket.objects.count() == before + len(demo)


@pytest.mark.django_db
def test_jamla24s_sellers_have_their_details_and_their_people(demo):
    with all_brands():
        for spec in content.SELLERS:
            found = seller(spec.name)
            assert (found.legal_name, found.email, found.phone, found.address) == (
                spec.legal_name,
                spec.email,
                spec.phone,
                spec.address,
            )
            people = sorted(found.people.values_list("name", "email"))
            assert people == sorted(spec.people) and 1 <= len(people) <= 2
        assert not Seller.objects.exclude(brand__slug="jamla24").exists()


@pytest.mark.django_db
def test_a_seller_asked_hours_ago_has_its_deadline_running_and_the_customer_waits(demo):
    with all_brands():
        asked = ticket("asked")
        running = deadline(asked, "seller_response")
        assert running.met_at is None and running.breached_at is None
        assert running.started_at == asked.seller_asked_at
        assert running.due_at == asked.seller_asked_at + timedelta(hours=24)  # the policy's
        assert running.due_at > NOW
        assert asked.status == Status.WAITING_THIRD_PARTY
        # The customer asked for the seller's details: the policy gives them only once the
        # seller failed, so the request waits for an agent.
        (pending,) = ContactRelease.objects.filter(ticket=asked)
        assert pending.status == ReleaseStatus.REQUESTED and not pending.details


@pytest.mark.django_db
def test_sellers_answer_with_a_refund_or_refuse_with_their_reason(demo):
    with all_brands():
        (refund,) = Proposal.objects.filter(ticket=ticket("refund"))
        assert (refund.kind, refund.amount, refund.currency) == (
            "refund",
            Decimal("1290.00"),
            "MAD",
        )
        assert deadline(ticket("refund"), "seller_response").met_at is not None
        refused = ticket("refusal")
        (refusal,) = Proposal.objects.filter(ticket=refused)
        assert refusal.kind == "refusal" and "sealed" in refusal.reason
        # The seller refused: the policy released its details to the customer at once.
        (released,) = ContactRelease.objects.filter(ticket=refused)
        assert released.status == ReleaseStatus.RELEASED
        assert released.decided_by_label == "policy"
        assert released.details["phone"] == seller("Maison Argan").phone
        assert Event.objects.filter(ticket=refused, verb=Verb.SELLER_ANSWER_SHARED).exists()


@pytest.mark.django_db
def test_a_missed_deadline_is_a_strike_and_the_third_restricts_the_seller(demo):
    with all_brands():
        missed = ticket("missed")
        (strike,) = Strike.objects.filter(seller=seller("Souk Mode Casa"))
        assert (strike.ticket, strike.reason) == (missed, "no_answer")
        assert strike.due_at == deadline(missed, "seller_response").breached_at
        assert seller("Souk Mode Casa").status == SellerStatus.ACTIVE

        techmaroc = seller("TechMaroc Store")
        assert techmaroc.status == SellerStatus.RESTRICTED
        assert Strike.objects.filter(seller=techmaroc, withdrawn_at__isnull=True).count() == 3
        (change,) = SellerStatusChange.objects.filter(seller=techmaroc)
        third = Strike.objects.filter(seller=techmaroc).latest("at")
        assert (change.from_status, change.to_status) == ("active", "restricted")
        assert change.actor_user is None and change.strike == third
        # The restriction shows on its ticket still open, where the third deadline passed.
        restricted = ticket("restricted")
        assert third.ticket == restricted and restricted.status != Status.CLOSED
        assert Event.objects.filter(
            ticket=restricted, verb=Verb.SELLER_STATUS_CHANGED, data__to="restricted"
        ).exists()


@pytest.mark.django_db
def test_a_manager_terminated_a_seller_with_the_reason(demo):
    with all_brands():
        riad = seller("Riad Déco Fès")
        assert riad.status == SellerStatus.TERMINATED
        (change,) = SellerStatusChange.objects.filter(seller=riad)
        assert change.actor_user.username == "jamla24-manager"
        assert "faits main" in change.reason
        assert ticket("terminated").status == Status.CLOSED
        assert {seller(name).status for name in ("Atlas Électroménager", "Maison Argan")} == {
            SellerStatus.ACTIVE
        }


@pytest.mark.django_db
def test_ivoire_toner_returns_stand_at_each_step_of_their_deadlines(demo):
    with all_brands():
        within = ticket("return-window")
        window = deadline(within, "return_window")
        assert window.started_at == within.item_received_at < within.created_at
        assert window.met_at is None and window.due_at > NOW
        assert not Deadline.objects.filter(ticket=within, kind="refund").exists()

        due = ticket("refund-due")
        assert deadline(due, "return_window").met_at == due.item_returned_at
        refund = deadline(due, "refund")
        assert refund.started_at == due.item_returned_at
        assert refund.met_at is None and refund.due_at > NOW

        refunded = ticket("refunded")
        assert deadline(refunded, "refund").met_at == refunded.refunded_at
        (payment,) = Payment.objects.filter(ticket=refunded)
        assert (payment.kind, payment.amount, payment.currency) == (
            "refund",
            Decimal("18500.00"),
            "XOF",
        )
        assert refunded.status == Status.CLOSED


@pytest.mark.django_db
def test_ej_credits_a_billing_error(demo):
    with all_brands():
        (credit,) = Payment.objects.filter(ticket=ticket("credit"))
        assert (credit.kind, credit.amount, credit.currency) == (
            "credit",
            Decimal("8500.00"),
            "JMD",
        )
        assert credit.reason.startswith("Billing error")
        assert Event.objects.filter(ticket=credit.ticket, verb=Verb.PAYMENT_RECORDED).exists()


@pytest.mark.django_db
def test_jamla24s_manager_may_decide_on_sellers_and_the_sign_ins_say_so(demo):
    manager = User.objects.get(username="jamla24-manager")
    assert can(manager, Action.MANAGE_SELLERS, brand=demo["jamla24"])
    assert manager.is_staff  # the admin's sellers
    assert "jamla24-manager" in DEMO_USERS_HELP
    assert "/s/jamla24/" in DEMO_USERS_HELP
    person = content.SELLERS[0].people[0][1]
    assert person in DEMO_USERS_HELP
