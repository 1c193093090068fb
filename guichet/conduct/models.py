"""What the conduct procedure keeps (docs/conduct.md): each abusive message found (by
detection or by a person) and the decision on it, the warnings sent to a customer, the
referrals to an authority. Blocks are the customer's record (`contacts.ContactBlock`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.conduct.detect import Severity
from guichet.lib.scoping import BrandScopedManager


class FlagSource(models.TextChoices):
    DETECTION = "detection", _("Detected")
    STAFF = "staff", _("Flagged by a member of the staff")


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed abusive")
    DISMISSED = "dismissed", _("Dismissed: not abusive")


class AbuseFlag(models.Model):
    """A message found abusive, with the words that made it so, until a person decides."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="abuse_flags"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="abuse_flags"
    )
    source = models.CharField(_("source"), max_length=10, choices=FlagSource.choices)
    # guichet.conduct.detect.Severity: 1 insult, 2 harassment, 3 discrimination, 4 threat.
    severity = models.PositiveSmallIntegerField(_("severity"))
    # What was found: [{"term", "found", "start", "end", "severity", "extra"}], offsets in
    # the message's text (to show the agent the words).
    hits = models.JSONField(_("words found"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("flagged"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("flagged by"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("note"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("abuse flag")
        verbose_name_plural = _("abuse flags")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["brand", "-severity", "created_at"],
                name="abuseflag_undecided",
                condition=Q(decision=""),
            ),
            models.Index(fields=["contact", "created_at"], name="abuseflag_contact"),
        ]
        constraints = [
            # Detection flags a message once, whatever retries the intake makes.
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(source="detection"),
                name="abuseflag_detected_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.severity}"

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)


class ConductWarning(models.Model):
    """A polite warning letter sent to a customer after an abusive message was confirmed
    (the policy's `warnings_before_block`: that many, then the block)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="conduct_warnings"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    flag = models.ForeignKey(AbuseFlag, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.contact_id} · {self.sent_at:%Y-%m-%d}"


class Authority(models.TextChoices):
    POLICE = "police", _("Police")
    LAWYER = "lawyer", _("Lawyer")
    PLATFORM = "platform", _("Platform")
    OTHER = "other", _("Other")


class Referral(models.Model):
    """A case referred to an authority (the policy's `referral_allowed`), with its note."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="referrals"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    authority = models.CharField(_("referred to"), max_length=10, choices=Authority.choices)
    note = models.TextField(_("note"))
    referred_at = models.DateTimeField(_("referred"))
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("referred by"),
    )

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.contact_id} · {self.authority} · {self.referred_at:%Y-%m-%d}"
