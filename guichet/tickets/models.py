"""Tickets, their messages and attachments, and the append-only event log."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.html import sanitize_reply
from guichet.lib.scoping import BrandScopedManager
from guichet.tickets.choices import (
    OPEN_STATUSES,
    Channel,
    Complexity,
    ContactType,
    Direction,
    OrderStatus,
    Outcome,
    Priority,
    Status,
)

# The desk's default order (guichet/desk/queries.py `ordered`), as the indexes hold it.
QUEUE_ORDER = ("queue_rank", "next_due_at", "created_at", "id")

# Urgent first: the desk's "by priority" order. An index holds this very expression
# (`ticket_priority_open`), so a query ordering by it reads the index.
PRIORITY_RANK = models.Case(
    models.When(priority=Priority.URGENT, then=models.Value(0)),
    models.When(priority=Priority.HIGH, then=models.Value(1)),
    models.When(priority=Priority.NORMAL, then=models.Value(2)),
    default=models.Value(3),
    output_field=models.PositiveSmallIntegerField(),
)


class Ticket(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="tickets")
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    contact_type = models.CharField(_("contact type"), max_length=20, choices=ContactType.choices)
    category = models.SlugField(_("category"), max_length=40, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    complexity = models.CharField(
        _("complexity"), max_length=10, choices=Complexity.choices, default=Complexity.SIMPLE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=300)
    language = models.CharField(_("language"), max_length=8)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "brands.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seller = models.ForeignKey(
        "marketplace.Seller",
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(_("received"))
    updated_at = models.DateTimeField(_("updated"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    level_started_at = models.DateTimeField(_("at this level since"))
    # Whether the automatic acknowledgement is sent (not on silent channels, not to robots).
    auto_acknowledge = models.BooleanField(_("acknowledged automatically"), default=True)
    reopened_at = models.DateTimeField(_("last reopened"), null=True, blank=True)
    # Every service increments it: a form or API call can say which revision it saw.
    revision = models.PositiveIntegerField(default=1)
    # Set when the ticket was merged into another (it is closed then, and its messages are
    # on that one); its own events stay here.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
    )
    # The order reference the customer's request is about and the result of its last check
    # (docs/requirements.md IN-5); every check is also an event, with who and when.
    order_reference = models.CharField(_("order reference"), max_length=100, blank=True)
    order_status = models.CharField(
        _("order reference check"), max_length=12, choices=OrderStatus.choices, blank=True
    )
    order_checked_at = models.DateTimeField(_("order reference checked"), null=True, blank=True)
    # Set while the ticket is flagged as abusive (docs/requirements.md AB-1: by an agent, or by
    # detection); the flag and its removal are events, with the reason.
    abuse_flagged_at = models.DateTimeField(_("flagged as abusive"), null=True, blank=True)
    # The worst severity among the ticket's flags not dismissed (guichet.conduct.detect
    # Severity: 1 insult … 4 threat), kept by the conduct services for the lists' order.
    abuse_severity = models.PositiveSmallIntegerField(_("severity"), null=True, blank=True)
    # A complaint about a member of the staff (docs/requirements.md AB-3): the person, once
    # known, and the name the customer gave. That person never sees, takes or decides it.
    about_agent = models.BooleanField(_("complaint about a team member"), default=False)
    concerned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team member concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    concerned_agent_name = models.CharField(
        _("team member named by the customer"), max_length=200, blank=True
    )
    # The seller's side (docs/marketplace.md): when the seller was last asked (its deadline
    # runs from then) and when it last answered (which meets it).
    seller_asked_at = models.DateTimeField(_("seller asked"), null=True, blank=True)
    seller_answered_at = models.DateTimeField(_("seller answered"), null=True, blank=True)
    # A return (docs/requirements.md CL-2): when the customer received the item (the return
    # window runs from then, or from the request when unknown), when the item came back or
    # the return was waived (the refund deadline runs from then), when the money was paid.
    item_received_at = models.DateTimeField(
        _("item received by the customer"), null=True, blank=True
    )
    item_returned_at = models.DateTimeField(_("item returned"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)

    # Milestones the deadlines are measured against (met when set), and the earliest
    # deadline still running, kept by the policy engine (sla) for lists and sorting.
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    answered_at = models.DateTimeField(_("full written answer"), null=True, blank=True)
    last_update_at = models.DateTimeField(_("last message to the customer"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    # The policy's rank in the queue: 0 for the categories served first (`first_in_queue`,
    # EJ: billing), else 1. Kept by the services (opening, a change of category, a policy
    # published) so that the desk's default order is an index's order.
    queue_rank = models.PositiveSmallIntegerField(
        _("rank in the queue"), default=1, db_default=1, editable=False
    )

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["brand", "status", "-created_at"], name="ticket_brand_status"),
            models.Index(fields=["brand", "assignee", "status"], name="ticket_brand_assignee"),
            models.Index(fields=["brand", "-created_at"], name="ticket_brand_created"),
            models.Index(fields=["contact", "-created_at"], name="ticket_contact"),
            models.Index(
                fields=["next_due_at"],
                name="ticket_next_due_open",
                condition=Q(status__in=OPEN_STATUSES) & Q(next_due_at__isnull=False),
            ),
            # The desk's lists sorted by date, and their live-refresh fingerprint (the
            # tickets updated last): read through an index, not by reading every ticket
            # (guichet/desk/queries.py, docs/desk-performance.md).
            models.Index(fields=["created_at", "id"], name="ticket_created"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
            # The policy's order (queries.ordered) of the open tickets, for every viewer
            # (brands filtered on the way: one index serves one brand or several), and of
            # the views no other index narrows enough.
            models.Index(
                fields=[*QUEUE_ORDER],
                name="ticket_queue_open",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["team", *QUEUE_ORDER],
                name="ticket_queue_team",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=[*QUEUE_ORDER],
                name="ticket_queue_unassigned",
                condition=Q(status__in=OPEN_STATUSES, assignee__isnull=True),
            ),
            models.Index(
                fields=[*QUEUE_ORDER],
                name="ticket_queue_waiting",
                condition=Q(status=Status.WAITING_CUSTOMER),
            ),
            models.Index(
                fields=[*QUEUE_ORDER],
                name="ticket_queue_abusive",
                condition=Q(abuse_flagged_at__isnull=False),
            ),
            # The desk's other orders of the open tickets: by priority, by level.
            models.Index(
                PRIORITY_RANK,
                "next_due_at",
                "id",
                name="ticket_priority_open",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["-level", "next_due_at", "id"],
                name="ticket_level_open",
                condition=Q(status__in=OPEN_STATUSES),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1), name="ticket_level_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def has_answer(self) -> bool:
        """Whether the brand has answered the customer: a person's reply (not an automatic
        letter) or a decision. Before it, there is nothing to take to the next level."""
        return self.first_responded_at is not None or self.answered_at is not None


class Pause(models.Model):
    """A time the ticket waited on the customer: its deadlines' clocks stood still."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(ended_at__isnull=True),
                name="pause_one_open_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.started_at:%Y-%m-%d %H:%M} → {self.ended_at or '…'}"


class IdentityCheck(models.Model):
    """The customer's identity was checked on this ticket (docs/requirements.md IN-5, Jive): who,
    when and how — one of the methods the brand's policy lists."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="identity_checks")
    method = models.CharField(_("method"), max_length=60)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked"))
    note = models.TextField(_("note"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")
        ordering = ["checked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.method} {self.checked_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    is_internal = models.BooleanField(_("internal note"), default=False)
    is_automatic = models.BooleanField(_("sent automatically"), default=False)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML (sanitised)"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # An identifier from the channel (an email's Message-ID), for threading and de-duplication.
    external_id = models.CharField(max_length=998, blank=True)
    created_at = models.DateTimeField(_("created"))
    # The seller's side of the ticket: a message to the seller or from it (never the
    # customer's: `is_internal` is set too), and who answered for the seller.
    seller = models.ForeignKey(
        "marketplace.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seller_person = models.ForeignKey(
        "marketplace.SellerPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A customer's message an agent chose to show the seller (with its attachments).
    shared_with_seller_at = models.DateTimeField(_("shown to the seller"), null=True, blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket"),
            models.Index(
                fields=["brand", "external_id"],
                name="message_external_id",
                condition=~Q(external_id=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(
                    Q(is_internal=True) & Q(direction=Direction.INBOUND) & Q(seller__isnull=True)
                ),
                name="message_note_is_outbound",
            ),
            models.CheckConstraint(
                condition=Q(seller__isnull=True) | Q(is_internal=True),
                name="message_seller_side_is_internal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.pk} {self.get_direction_display()}"

    @property
    def is_seller_side(self) -> bool:
        return self.seller_id is not None

    @property
    def is_note(self) -> bool:
        return self.is_internal and self.seller_id is None

    @property
    def formatted_html(self) -> str:
        """A message of the brand's (a reply, a note, a letter) written with formatting: its
        HTML kept to the reply allow-list again as it is shown (safe to mark so); "" for the
        others, shown as text (a customer's email keeps its own HTML out of the pages)."""
        if self.direction != Direction.OUTBOUND or not self.html:
            return ""
        return sanitize_reply(self.html)


def reference_key(message_id: str) -> str:
    """The indexed form of a Message-ID (they can be up to 998 characters long)."""
    return hashlib.sha256(message_id.strip().strip("<>").encode("utf-8", "replace")).hexdigest()


class MessageReference(models.Model):
    """A Message-ID an email said it answers (In-Reply-To, References). Kept so that a
    message arriving after a reply to it can still find that reply's ticket."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey("Message", on_delete=models.CASCADE, related_name="references")
    key = models.CharField(max_length=64)

    objects = BrandScopedManager()

    class Meta:
        indexes = [models.Index(fields=["brand", "key"], name="message_reference_key")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.key[:12]}"


class Attachment(models.Model):
    """A file stored through Django's storage under a generated key (never the sender's
    file name, which is only displayed). Always served as a download, never inline."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    storage_key = models.CharField(max_length=200, unique=True)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    content_id = models.CharField(_("content id (inline image)"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("events are append-only")

    def delete(self) -> Any:
        raise TypeError("events are append-only")


class Event(models.Model):
    """One thing that happened to a ticket, recorded in the transaction that did it."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(_("what"), max_length=40)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted when it is neither a user nor a contact: "system", "worker", "email"...
    actor_label = models.CharField(max_length=40, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("when"))

    objects = BrandScopedManager(models.Manager.from_queryset(EventQuerySet))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket"),
            models.Index(fields=["brand", "verb", "at"], name="event_brand_verb"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.verb} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("events are append-only")


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    MERGED = "merged", _("Merged into")
    SPLIT = "split", _("Split from")


class TicketLink(models.Model):
    """A relation between two tickets of one brand (a third party's reply opens a new
    ticket related to the first; merges and splits keep both histories)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("link between tickets")
        verbose_name_plural = _("links between tickets")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class ReferenceCounter(models.Model):
    """The last reference number given per brand and year; it only ever grows."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.brand_id}/{self.year}: {self.last}"


class MoneyKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit")


class Payment(models.Model):
    """Money paid back to the customer on a ticket (docs/requirements.md CL-2): a refund (of
    a return, of a cancelled order) or a credit (EJ: a billing error credited). Recorded by
    `tickets.services.ticket_record_payment`, which writes its event and the customer's
    letter; never changed afterwards."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(_("kind"), max_length=10, choices=MoneyKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("refund or credit")
        verbose_name_plural = _("refunds and credits")
        ordering = ["ticket", "at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.amount} {self.currency}"
