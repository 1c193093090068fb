"""The channels other than email and the web form: SMS, WhatsApp, Messenger, Instagram
(and the telephony's call events). docs/channels.md.

- `ChannelAccount`: a brand's account with a provider — where its webhook arrives (a URL
  with a secret token of its own), the secrets that sign and send (encrypted at rest).
- `InboundEvent`: a webhook as it arrived, kept before it is read (raw body, the headers
  that matter); it ends processed, ignored, quarantined or refused, always with a reason,
  and a quarantined or refused one can be replayed.
- `ChannelItem`: each item a provider sent (a message, a delivery receipt, a call event)
  by its provider id, once: a provider's retry of the same item does nothing twice.
- `ChannelHandle`: who writes from a network that has no phone number (a Messenger or
  Instagram user id), as the brand's contact.
- `OutboundChannelMessage`: the outbox of these channels — a reply or an acknowledgement
  queued with the change that caused it, sent by the worker with retries, its delivery
  receipts recorded."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class Provider(models.TextChoices):
    TWILIO = "twilio", _("Twilio (SMS)")
    WHATSAPP = "whatsapp", _("WhatsApp (Meta Cloud API)")
    MESSENGER = "messenger", _("Messenger (Meta)")
    INSTAGRAM = "instagram", _("Instagram (Meta)")
    CTI = "cti", _("Telephony (CTI push)")


# The ticket channel each provider's messages arrive on.
PROVIDER_CHANNEL = {
    Provider.TWILIO: "sms",
    Provider.WHATSAPP: "social",
    Provider.MESSENGER: "social",
    Provider.INSTAGRAM: "social",
    Provider.CTI: "phone",
}


class ChannelAccount(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(_("provider"), max_length=12, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=100)
    # The account's own id at the provider: a Twilio number (E.164), a WhatsApp phone number
    # id, a Facebook page id, an Instagram account id; inbound items name it.
    address = models.CharField(_("account id or number"), max_length=100, blank=True)
    # The last part of the webhook's URL: who knows it may post (the signature still decides).
    token = models.CharField(max_length=64, unique=True, editable=False)
    # Twilio: the auth token (it signs the webhooks and authenticates the API calls);
    # Meta: the app secret (it signs the webhooks).
    secret_encrypted = models.TextField(blank=True, editable=False)
    # Meta: the access token of the page or system user the replies are sent with.
    access_token_encrypted = models.TextField(blank=True, editable=False)
    # Twilio: the account SID. Meta: the verify token of the subscription's challenge.
    account_sid = models.CharField(_("account SID"), max_length=64, blank=True)
    verify_token = models.CharField(_("verify token"), max_length=128, blank=True)
    # Where the provider's API is (its documented address unless set: a test server, a proxy).
    api_base = models.URLField(_("API address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "address"],
                condition=~Q(address=""),
                name="channel_account_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.name}"

    @property
    def channel(self) -> str:
        return PROVIDER_CHANNEL[Provider(self.provider)]


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    QUARANTINED = "quarantined", _("Quarantined")
    REFUSED = "refused", _("Refused (signature)")


class InboundEvent(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(_("provider"), max_length=12, choices=Provider.choices)
    method = models.CharField(max_length=8, default="POST")
    url = models.CharField(max_length=2000)
    content_type = models.CharField(max_length=200, blank=True)
    # The headers a provider signs or identifies its delivery with (not cookies, not all).
    headers = models.JSONField(default=dict)
    body = models.BinaryField(_("raw body"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received"))
    state = models.CharField(
        _("state"), max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    items = models.PositiveSmallIntegerField(_("items"), default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    objects = BrandScopedManager()

    REASONS: ClassVar[dict[str, Any]] = {
        "bad_signature": _("The signature does not match the account's secret"),
        "unsigned": _("The request carries no signature"),
        "unreadable": _("The payload cannot be read"),
        "blocked_sender": _("The sender is blocked"),
        "unknown_sender": _("No usable sender"),
        "inactive": _("The channel account is switched off"),
        "refused": _("Refused by the brand's rules"),
        "error": _("An error while processing it"),
        "nothing": _("Nothing to process (a notification without a message)"),
    }

    class Meta:
        verbose_name = _("incoming channel event")
        verbose_name_plural = _("incoming channel events")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["brand", "state", "-received_at"], name="chin_brand_state"),
            models.Index(
                fields=["state", "received_at"],
                name="chin_pending",
                condition=Q(state="received"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.sha256[:12]} ({self.state})"

    @property
    def reason_label(self) -> str:
        return str(self.REASONS.get(self.reason, self.reason))


class ChannelItem(models.Model):
    """One item of a provider, by its id: recorded in the transaction that handles it, so a
    second delivery of the same item (a retry, a replay) finds it and does nothing."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    # Who sent it, as the provider names them (a number, a WhatsApp id, a page-scoped id):
    # where the answers on its ticket go.
    sender = models.CharField(max_length=200, blank=True)
    event = models.ForeignKey(InboundEvent, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    objects = BrandScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="channel_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class ChannelHandle(models.Model):
    """A person on a network without a phone number (a Messenger page-scoped id, an
    Instagram-scoped id), as the brand's contact."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=12, choices=Provider.choices)
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")

    objects = BrandScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "provider", "external_id"], name="channel_handle_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.external_id}"


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")  # the provider took it
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")  # gave up, or the provider says it never arrived
    NO_ADDRESS = "no_address", _("No number or account to send to")


class OutboundChannelMessage(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        ChannelAccount, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to = models.CharField(_("to"), max_length=200)
    text = models.TextField(_("text"))
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=0)
    automatic = models.BooleanField(default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    provider_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("outgoing channel message")
        verbose_name_plural = _("outgoing channel messages")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="chout_due", condition=Q(state="queued")),
            models.Index(fields=["account", "provider_id"], name="chout_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.to} ({self.state})"
