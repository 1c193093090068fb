"""What arrives, kept as it arrived: raw bytes first, then what became of them.

Every inbound message ends in exactly one state: a ticket message, ignored with a reason,
or quarantined with a reason (and can be replayed after a fix). The raw bytes are kept in
every case."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP mailbox")
    SMTP = "smtp", _("SMTP receiver")
    LMTP = "lmtp", _("LMTP receiver")
    UPLOAD = "upload", _("Upload (API)")
    FILE = "file", _("File (command line)")
    # A contact-form submission kept as a message (a blocked customer's: intake/held.py).
    WEB = "web", _("Contact form")


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    TICKET_MESSAGE = "ticket_message", _("Ticket message")
    IGNORED = "ignored", _("Ignored")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundEmail(models.Model):
    # Null when no brand could be found for the recipient: then only superusers see it.
    brand = models.ForeignKey(
        "brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mailbox = models.ForeignKey(
        "intake.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=InboundSource.choices)
    envelope_from = models.CharField(_("envelope sender"), max_length=998, blank=True)
    envelope_to = models.JSONField(_("envelope recipients"), default=list, blank=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    # Set when the message was larger than GUICHET_INBOUND_MAX_BYTES and only its beginning
    # was kept (IMAP: the server has it whole; SMTP and the API refuse such messages).
    original_size = models.PositiveBigIntegerField(
        _("size before truncation (bytes)"), null=True, blank=True
    )
    sha256 = models.CharField(max_length=64)
    header_message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    # brand + Message-ID, or the hash of the bytes when there is none.
    dedupe_key = models.CharField(max_length=80)
    received_at = models.DateTimeField(_("received"))
    state = models.CharField(
        _("state"), max_length=16, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_ticket = models.BooleanField(_("opened a ticket"), default=False)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    objects = BrandScopedManager()

    # What a person reads for the reason a message was quarantined (its code stays the
    # stored value, for the API and the logs; an unknown code is shown as it is).
    QUARANTINE_REASONS: ClassVar[dict[str, Any]] = {
        "unknown_recipient": _("No brand has this recipient address"),
        "no_sender": _("No usable sender address"),
        "bad_sender": _("The sender's address cannot be read"),
        "unmatched_bounce": _("A bounce of no email we sent"),
        "blocked_sender": _("The sender is blocked"),
        "refused": _("Refused by the brand's rules"),
        "error": _("An error while processing it"),
        "seller_unknown_sender": _(
            "A reply on a seller's side of a ticket from an address that is not the seller's"
        ),
        "seller_terminated": _("A reply from a seller whose account is terminated"),
    }

    class Meta:
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["brand", "state", "-received_at"], name="inbound_brand_state"),
            models.Index(
                fields=["state", "received_at"],
                name="inbound_pending",
                condition=Q(state="received"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "dedupe_key"],
                condition=Q(brand__isnull=False),
                name="inbound_once_per_brand",
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(brand__isnull=True),
                name="inbound_once_without_brand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.header_message_id or self.sha256[:12]} ({self.state})"

    @property
    def reason_label(self) -> str:
        return str(self.QUARANTINE_REASONS.get(self.reason, self.reason))


class Mailbox(models.Model):
    """An IMAP mailbox polled for a brand. The password is encrypted at rest and never
    shown or logged; the UIDVALIDITY/UID checkpoint lets a poll resume after an outage."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="mailboxes")
    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"))
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("TLS (IMAPS)"), default=True)
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    move_to = models.CharField(
        _("move processed mail to"),
        max_length=255,
        blank=True,
        help_text=_("Empty: mark as read and leave it."),
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    # One poll of a mailbox at a time, across workers and hosts: a poll claims the lease with
    # a conditional UPDATE (times from the database's clock) and renews it as it goes.
    poll_lease_owner = models.CharField(max_length=100, blank=True, editable=False)
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(fields=["brand", "address"], name="mailbox_unique_address")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def set_password(self, password: str) -> None:
        # cryptography loads when a mailbox's password is used, not with every process.
        from guichet.lib.crypto import encrypt

        self.password_encrypted = encrypt(password)

    def get_password(self) -> str:
        # cryptography loads when a mailbox's password is used, not with every process.
        from guichet.lib.crypto import decrypt

        return decrypt(self.password_encrypted)
