"""The reporting read model (docs/reports.md): what happened to each ticket, per ticket, per
visit of a level, per deadline and per live chat, kept from the event log alone
(`projection`), in the transaction that records the events, and rebuilt from them by
`guichet reports rebuild`.

Reports read these tables (and, for the calls answered in time, the telephony's call rows:
`reports/calls.py`). They hold no personal data — no names, addresses, texts or
subjects; a ticket is its id and reference, a customer an opaque number (for returning
customers) — so that an erasure leaves the counts and durations whole. The rows carry no
foreign key to the ticket: they outlive the ticket a retention purge deletes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class TicketFact(models.Model):
    """One ticket: how it came, how it was handled, how it ended."""

    # Indexed by the composite indexes below, which all start with it.
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket_id = models.BigIntegerField(unique=True)
    reference = models.CharField(max_length=40)
    received_at = models.DateTimeField()
    # The day it was received in the brand's time zone: volumes per day group on it.
    received_on = models.DateField()
    channel = models.CharField(max_length=20)
    contact_type = models.CharField(max_length=30)
    category = models.CharField(max_length=60, blank=True)
    priority = models.CharField(max_length=20, blank=True)
    complexity = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=10, blank=True)
    team_id = models.IntegerField(null=True)
    level = models.PositiveSmallIntegerField(default=1)
    top_level = models.PositiveSmallIntegerField(default=1)
    contact_id = models.BigIntegerField(null=True)
    is_open = models.BooleanField(default=True)
    first_response_at = models.DateTimeField(null=True)
    first_response_s = models.IntegerField(null=True)
    first_response_bs = models.IntegerField(null=True)
    full_answer_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    # Their days in the brand's time zone, as received_on: figures per day group on them.
    full_answer_on = models.DateField(null=True)
    resolved_on = models.DateField(null=True)
    resolution_s = models.IntegerField(null=True)
    # Counted on open days (00:00–24:00, no weekends or holidays): "2 business days".
    resolution_bd_s = models.IntegerField(null=True)
    closed_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=20, blank=True)
    # Closed by a merge into another ticket: the matter goes on there, it is not resolved.
    merged = models.BooleanField(default=False)
    staff_replies = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    escalations = models.PositiveIntegerField(default=0)
    auto_escalations = models.PositiveIntegerField(default=0)
    # Resolved at its first close, with one reply at most from the staff, never escalated
    # or reopened (None while it is open and was never closed).
    first_contact = models.BooleanField(null=True)
    survey_score = models.PositiveSmallIntegerField(null=True)
    survey_scale = models.PositiveSmallIntegerField(null=True)
    survey_satisfied = models.BooleanField(null=True)
    survey_at = models.DateTimeField(null=True)
    about_agent = models.BooleanField(default=False)
    ombudsman = models.BooleanField(default=False)
    last_event_id = models.BigIntegerField(default=0)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("ticket figures")
        verbose_name_plural = _("ticket figures")
        indexes = [
            # Periods are days in the brand's time zone: figures filter on received_on.
            models.Index(fields=["brand", "received_on"], name="fact_brand_day"),
            models.Index(fields=["brand", "contact_id", "received_at"], name="fact_brand_contact"),
            models.Index(
                fields=["brand", "received_at"],
                name="fact_brand_open",
                condition=models.Q(is_open=True),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class LevelFact(models.Model):
    """One stay of a ticket at a level: from when it got there to when it left, and the
    outcome decided there."""

    # Indexed by the composite indexes below, which all start with it.
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField()
    team_id = models.IntegerField(null=True)
    received_at = models.DateTimeField()
    entered_at = models.DateTimeField()
    # How it came there: opened, agent, customer, time, routing, returned.
    trigger = models.CharField(max_length=20)
    left_at = models.DateTimeField(null=True)
    seconds = models.IntegerField(null=True)
    outcome = models.CharField(max_length=20, blank=True)
    closed_here = models.BooleanField(default=False)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("level figures")
        verbose_name_plural = _("level figures")
        indexes = [
            models.Index(fields=["brand", "received_at"], name="levelfact_brand_received"),
            models.Index(fields=["ticket_id"], name="levelfact_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} L{self.level}"


class DeadlineFact(models.Model):
    """One promise to the customer (a deadline of the policy) and whether it was kept."""

    # Indexed by the composite indexes below, which all start with it.
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket_id = models.BigIntegerField()
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    level = models.PositiveSmallIntegerField(default=0)
    # The policy rule ("deadlines[3]"): its target, aim and attainment goal.
    rule = models.CharField(max_length=60)
    target = models.CharField(max_length=20)
    clock = models.CharField(max_length=20)
    started_at = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    met_at = models.DateTimeField(null=True)
    breached = models.BooleanField(default=False)
    cancelled = models.BooleanField(default=False)
    # Met before the rule's aim (a tighter goal inside the target), when it has one.
    within_aim = models.BooleanField(null=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("deadline figures")
        verbose_name_plural = _("deadline figures")
        indexes = [
            models.Index(fields=["brand", "received_at"], name="deadlinefact_brand_received"),
            models.Index(fields=["ticket_id"], name="deadlinefact_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Tally(models.Model):
    """Things counted by the moment they happened rather than per ticket (abuse flags,
    blocks, strikes, referrals, calls): one row per event that counts."""

    # Indexed by the composite indexes below, which all start with it.
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket_id = models.BigIntegerField()
    what = models.CharField(max_length=40)
    detail = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField()
    event_id = models.BigIntegerField(unique=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("counted event")
        verbose_name_plural = _("counted events")
        indexes = [
            models.Index(fields=["brand", "what", "at"], name="tally_brand_what"),
            # A rebuild deletes a chunk's rows by ticket.
            models.Index(fields=["ticket_id"], name="tally_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.what} {self.at:%Y-%m-%d}"


class ChatFact(models.Model):
    """One live chat (docs/chat.md): offered when it entered the queue, answered by an
    agent after a wait, or ended before anyone answered; how long it lasted, how often it
    was transferred, and the customer's rating. Kept from the chat's events on its ticket
    (`reports.chats`); the agents are their user ids."""

    # Indexed by the composite index below, which starts with it.
    brand = models.ForeignKey(
        "brands.Brand", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket_id = models.BigIntegerField()
    chat_id = models.BigIntegerField(unique=True)
    offered_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True)
    # The agent who answered it (took it from the queue first).
    agent_id = models.IntegerField(null=True)
    # Answered: the seconds it waited in the queue before that; ended unanswered: the
    # seconds it waited before it ended.
    wait_s = models.IntegerField(null=True)
    transfers = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True)
    # customer, agent, abusive, abandoned, idle.
    end_reason = models.CharField(max_length=20, blank=True)
    # From the answer to the end.
    length_s = models.IntegerField(null=True)
    score = models.PositiveSmallIntegerField(null=True)
    # The agent the rating is about (the one who had the chat when it was rated).
    rated_agent_id = models.IntegerField(null=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("chat figures")
        verbose_name_plural = _("chat figures")
        indexes = [
            models.Index(fields=["brand", "offered_at"], name="chatfact_brand_offered"),
            # A rebuild deletes a chunk's rows by ticket.
            models.Index(fields=["ticket_id"], name="chatfact_ticket"),
        ]

    def __str__(self) -> str:
        return f"chat {self.chat_id}"


class ReportExport(models.Model):
    """An export someone made: who, what, when (RP-2)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(_("what"), max_length=60)
    format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filters"), default=dict)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    at = models.DateTimeField(_("when"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.what}.{self.format} {self.at:%Y-%m-%d %H:%M}"


class ReviewSent(models.Model):
    """A brand's periodic review made and emailed by the worker (`review_mail`): one row
    per brand and period, so each review goes out once, whatever the number of workers
    and restarts. `sent_to` lists who has it already (a retry sends to the others only)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=10)  # weekly, monthly, quarterly
    start = models.DateField(_("first day"))
    end = models.DateField(_("day after the last"))
    # When the next attempt may be made (a lease while a worker sends); None once done.
    due_at = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_to = models.JSONField(default=list)
    sent_at = models.DateTimeField(_("sent"), null=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("review sent")
        verbose_name_plural = _("reviews sent")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "period", "start"], name="review_once_per_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="review_due", condition=models.Q(due_at__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start:%Y-%m-%d}"
