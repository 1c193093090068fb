"""Deadlines are data: one row per target a ticket must meet, with the moment it is due.

The watcher finds the rows whose `next_action_at` has come with one indexed query; the
engine (engine.py) decides what the rows should be, and the services (services.py) keep
them in step with the ticket, in the transaction of every change."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    FIRST_RESPONSE = "first_response", _("First response")
    FULL_ANSWER = "full_answer", _("Full written answer")
    RESOLUTION = "resolution", _("Resolution")
    UPDATE = "update", _("Update to the customer")
    LEVEL = "level", _("Answer at this level")
    SELLER_RESPONSE = "seller_response", _("Seller's answer")
    RETURN_WINDOW = "return_window", _("Return window")
    REFUND = "refund", _("Refund")
    # Not promises to the customer but moments the engine acts at:
    ESCALATION = "escalation", _("Automatic escalation")
    DELAY_LETTER = "delay_letter", _("Delay letter")


ACTION_KINDS = {DeadlineKind.ESCALATION, DeadlineKind.DELAY_LETTER}


class Deadline(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("kind"), max_length=20, choices=DeadlineKind.choices)
    # The level it belongs to (level deadlines) or leads to (escalations); 0 otherwise.
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    rule = models.CharField(_("policy rule"), max_length=60)
    clock = models.CharField(_("clock"), max_length=20)
    target = models.CharField(_("target"), max_length=20)
    started_at = models.DateTimeField(_("counted from"))
    # None while the ticket waits on the customer (the clock stands still).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # The due moment first promised, when a delay letter has since moved `due_at`.
    original_due_at = models.DateTimeField(_("first due"), null=True, blank=True)
    # The new date a delay letter promised (kept while a pause leaves `due_at` empty).
    promised_due_at = models.DateTimeField(_("promised by a delay letter"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("no longer applies"), null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["ticket", "due_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_action_at"],
                name="deadline_next_action",
                condition=Q(next_action_at__isnull=False),
            ),
            models.Index(fields=["ticket", "kind"], name="deadline_ticket_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "level"],
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
                name="deadline_one_running_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} due {self.due_at}"

    @property
    def is_running(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    @property
    def breached(self) -> bool:
        if self.breached_at is not None:
            return True
        return self.met_at is not None and self.due_at is not None and self.met_at > self.due_at
