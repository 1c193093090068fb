"""What Guichet says to customers and staff: letter templates, the outbox, notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
    LEVEL_CHANGED = "level_changed", _("Change of level")
    REASSIGNED = "reassigned", _("Another person handles the request")
    DELAY = "delay_letter", _("Delay letter")
    OUTCOME = "outcome", _("Written outcome")
    OMBUDSMAN = "ombudsman", _("Referral to the ombudsman")
    MERGED = "merged", _("Requests merged")
    SURVEY = "survey", _("Satisfaction survey")
    CONTACT_RELEASED = "contact_released", _("The seller's contact details")
    CONTACT_REFUSED = "contact_refused", _("The seller's contact details refused")
    PAYMENT = "payment", _("Refund or credit")
    CONDUCT_WARNING = "conduct_warning", _("Warning about abusive messages")
    CONDUCT_BLOCKED = "conduct_blocked", _("End of correspondence (customer blocked)")
    # To the seller of a marketplace dispute (in the brand's default language):
    SELLER_CONTACTED = "seller_contacted", _("To the seller: a customer's dispute")
    SELLER_REMINDER = "seller_reminder", _("To the seller: reminder of its deadline")


# Letters written to the seller, not to the customer: they are given none of the
# customer's details (see letters.seller_base_context).
SELLER_LETTERS = frozenset({LetterKind.SELLER_CONTACTED, LetterKind.SELLER_REMINDER})


class LetterTemplate(models.Model):
    """A brand's own wording of a letter in one language; without one, Guichet's default
    (guichet/notify/letters/<kind>.<language>.txt) is used."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("letter"), max_length=30, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "kind", "language"], name="letter_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    NO_ADDRESS = "no_address", _("No address to send to")


class OutboundEmail(models.Model):
    """An email to send, committed with the change that caused it; the email channel's
    worker delivers it (retrying with back-off) and records the result."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="outbound_emails"
    )
    message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_emails",
    )
    # An email to the seller of a marketplace dispute (the seller's side of the ticket: it
    # threads with the seller's messages only, never with the customer's).
    seller = models.ForeignKey(
        "marketplace.Seller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("seller"),
    )
    to_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    to_address = models.EmailField(_("recipient"), blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    automatic = models.BooleanField(_("sent automatically"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    rfc_message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    # A one-time secret the email carries (a survey link), sealed with guichet.lib.crypto:
    # the stored text holds SECRET_MARK in its place, and delivery puts it in the email it
    # sends, then forgets it (so the database keeps no working link).
    sealed_secret = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_due",
                condition=Q(status="queued"),
            ),
            # The automatic emails an address got this hour, counted for each new ticket
            # (the acknowledgement's flood limit): without it, a scan of the brand's mail.
            models.Index(
                fields=["brand", "to_address", "created_at"],
                name="outbound_automatic_to",
                condition=Q(automatic=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to_address} · {self.subject}"


class StaffNotification(models.Model):
    """Something a member of the staff is told about (a deadline, a ticket given to them, a
    threat...), shown in the desk's notification panel and emailed as the person chose
    (guichet/notify/staff_mail.py)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    text = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # When its email is due (immediately, or at the person's daily digest; a claim's lease
    # and the back-off after a failure move it); None once emailed, given up, or when the
    # person wants no email (and for rows older than email to staff).
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(
                fields=["email_due_at"],
                name="notification_email_due",
                condition=Q(email_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
