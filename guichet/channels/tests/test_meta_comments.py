"""Public comments on the brand's Facebook page and Instagram posts: a `comment` ticket with
the comment's address, which the policy's rule for comments governs (EJ: "comments on our
social network portals may not get an answer"); an agent's answer is posted publicly under
the comment, never sent privately and never automatically. REQUIREMENTS IN-2, IN-7."""

from __future__ import annotations

import pytest

from guichet.channels import outbound
from guichet.channels.models import (
    ChannelAccount,
    InboundEvent,
    InboundState,
    OutboundChannelMessage,
    OutboundState,
)
from guichet.channels.tests.conftest import ProviderApi
from guichet.channels.tests.meta_payloads import (
    IG_ID,
    PAGE_ID,
    dm,
    feed_comment,
    ig_comment,
    messaging,
    meta_account,
    post,
    tickets_of_handle,
)
from guichet.conftest import World, publish_preset
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands
from guichet.tickets import services
from guichet.tickets.choices import Status

pytestmark = pytest.mark.django_db
FAN = "6583918744968301"
IG_FAN = "6789012345678901"


@pytest.fixture
def messenger(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return meta_account(world.ej, "messenger", PAGE_ID, provider_api.base)


@pytest.fixture
def instagram(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return meta_account(world.ej, "instagram", IG_ID, provider_api.base)


def last_event() -> InboundEvent:
    with all_brands():
        return InboundEvent.objects.order_by("pk").last()  # type: ignore[return-value]


def outbox() -> list[OutboundChannelMessage]:
    with all_brands():
        return list(OutboundChannelMessage.objects.order_by("pk"))


def test_a_facebook_comment_is_a_comment_ticket_with_its_address(
    world: World, messenger: ChannelAccount
) -> None:
    post(messenger, feed_comment("771122334455_998877", "Superbe séjour à Negril !"))
    [ticket] = tickets_of_handle("messenger", FAN)
    assert (ticket.contact_type, ticket.channel) == ("comment", "social")
    assert ticket.contact.name == "Kemar Campbell"
    with all_brands():
        [message] = ticket.messages.filter(direction="in")
    assert message.text == (
        "Superbe séjour à Negril !\n\nhttps://www.facebook.com/771122334455_998877"
    )
    # EJ's rule for comments ("if_service"): it may be closed without an answer, saying why.
    with pytest.raises(InvalidRequest):
        services.ticket_close_without_reply(ticket=ticket, actor=world.lead, reason="")
    services.ticket_close_without_reply(
        ticket=ticket, actor=world.lead, reason="Un compliment public, sans question de service."
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert outbox() == []


def test_the_comments_address_is_under_its_posts_permalink_when_meta_gives_it(
    messenger: ChannelAccount,
) -> None:
    permalink = "https://www.facebook.com/experiencejamaique/posts/pfbid02Xy"
    post(messenger, feed_comment("771122_4455", "Et le bus ?", permalink=permalink))
    [ticket] = tickets_of_handle("messenger", FAN)
    with all_brands():
        text = ticket.messages.get(direction="in").text
    assert text.endswith(f"{permalink}?comment_id=4455")


def test_an_agents_answer_to_a_facebook_comment_is_posted_under_it(
    world: World, messenger: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(messenger, feed_comment("771122_5566", "Mon bus n'est jamais venu à l'hôtel."))
    [ticket] = tickets_of_handle("messenger", FAN)
    services.ticket_reply(
        ticket=ticket, actor=world.agent, text="Désolés ! Écrivez-nous en privé, nous regardons."
    )
    provider_api.answers = [(200, {"id": "771122_7788"})]
    assert outbound.send_due() == {"sent": 1}
    _method, path, headers, _body = provider_api.seen[-1]
    assert path == "/v21.0/771122_5566/comments"  # public, under the comment
    assert headers["Authorization"].startswith("Bearer ")
    assert provider_api.json() == {"message": "Désolés ! Écrivez-nous en privé, nous regardons."}
    assert outbox()[0].provider_id == "771122_7788"
    # Our answer comes back as the page's own comment: not a customer's.
    post(
        messenger,
        feed_comment("771122_7788", "Désolés !", author=(PAGE_ID, "Expérience Jamaïque")),
    )
    assert last_event().state == InboundState.IGNORED
    with all_brands():
        assert ticket.messages.filter(direction="in").count() == 1


def test_edits_and_removals_of_comments_are_not_new_messages(messenger: ChannelAccount) -> None:
    post(messenger, feed_comment("771122_6677", "Corrigé", verb="edited"))
    post(messenger, feed_comment("771122_6677", "", verb="remove"))
    assert tickets_of_handle("messenger", FAN) == []


def test_an_instagram_comment_and_the_answer_under_its_top_comment(
    world: World, instagram: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(
        instagram,
        ig_comment("17858893269000001", "Et pour les enfants ?", parent_id="17858893269000000"),
    )
    [ticket] = tickets_of_handle("instagram", IG_FAN)
    assert ticket.contact_type == "comment" and ticket.contact.name == "kemar.travels"
    with all_brands():
        text = ticket.messages.get(direction="in").text
    assert text == (
        "Et pour les enfants ?\n[Un commentaire sur la publication Instagram 17896450804038745]"
    )
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Gratuit avant 3 ans.")
    provider_api.answers = [(200, {"id": "17858893269000002"})]
    assert outbound.send_due() == {"sent": 1}
    # Instagram answers top-level comments only: the reply goes under the one it answered.
    assert provider_api.seen[-1][1] == "/v21.0/17858893269000000/replies"
    assert provider_api.json() == {"message": "Gratuit avant 3 ans."}


def test_a_comment_on_a_private_conversation_is_answered_privately(
    world: World, instagram: ChannelAccount, provider_api: ProviderApi
) -> None:
    """The customer wrote privately, then commented in public: the answer on their ticket
    goes by private message, never under the public comment."""
    post(instagram, messaging("instagram", IG_ID, dm(IG_FAN, IG_ID, "aWdfDM1", "Ma réservation")))
    post(instagram, ig_comment("17858893269000009", "Toujours pas de réponse !"))
    [ticket] = tickets_of_handle("instagram", IG_FAN)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Nous vous répondons en privé.")
    assert outbound.send_due() == {"sent": 1}
    assert provider_api.seen[-1][1] == "/v21.0/me/messages"
    assert provider_api.json()["recipient"] == {"id": IG_FAN}


def test_no_acknowledgement_is_posted_under_a_comment(provider_api: ProviderApi) -> None:
    """Ivoire Toner acknowledges on social networks (its policy's default): a private
    message is acknowledged, a public comment is not (the row says why)."""
    ivoire = publish_preset("ivoire-toner")
    account = meta_account(ivoire, "messenger", "2233445566", provider_api.base)
    post(
        account,
        {
            "object": "page",
            "entry": [
                {
                    "id": "2233445566",
                    "changes": feed_comment("88_99", "Mon toner fuit")["entry"][0]["changes"],
                }
            ],
        },
    )
    [ticket] = tickets_of_handle("messenger", FAN)
    assert ticket.contact_type == "comment"
    [row] = outbox()
    assert row.automatic
    assert outbound.send_due() == {"failed": 1}
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED
    assert "commentaire public" in row.last_error
    assert provider_api.seen == []  # nothing went out


def test_a_comment_where_the_policy_has_no_comment_type_is_read_as_any_message(
    world: World, provider_api: ProviderApi
) -> None:
    """Jamla24's policy names no `comment` contact type: the intake reads the comment."""
    account = meta_account(world.jamla, "messenger", "5566778899", provider_api.base)
    payload = feed_comment("11_22", "Ma commande n'est pas arrivée, je veux un remboursement")
    payload["entry"][0]["id"] = "5566778899"
    post(account, payload)
    assert last_event().state == InboundState.PROCESSED
    [ticket] = tickets_of_handle("messenger", FAN)
    assert ticket.brand_id == world.jamla.pk and ticket.contact_type != "comment"
