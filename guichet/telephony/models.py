"""Calls and callbacks (docs/telephony.md; REQUIREMENTS IN-2, RP-1).

A `Call` is one telephone call of a brand, inbound or outbound: logged by an agent in the
desk, or reported by the telephone system through the CTI webhook, whose events
(ringing, answered, hung up) move it through its states. Its times say how long the caller
waited (`wait_s`: answered_at − started_at; for a call nobody answered, until they hung
up) and how long it lasted once answered (`duration_s`). A `Callback` is a task: call this
customer back by `due_at`, given to a person or a team, done once someone did.

Both belong to a brand (`BrandScopedManager`); every write goes through
`telephony.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guichet.lib.scoping import BrandScopedManager


class CallDirection(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class CallState(models.TextChoices):
    """Zammad's generic CTI push API: newCall → ringing, answer → answered, hangup → ended.
    A call logged by hand is ended when it is written down."""

    RINGING = "ringing", pgettext_lazy("call", "Ringing")
    ANSWERED = "answered", pgettext_lazy("call", "In progress")
    ENDED = "ended", pgettext_lazy("call", "Ended")


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", pgettext_lazy("call", "Answered")
    # Inbound: the caller hung up before anyone answered (CTI causes cancel, noAnswer).
    MISSED = "missed", pgettext_lazy("call", "Missed")
    VOICEMAIL = "voicemail", pgettext_lazy("call", "Voicemail")
    BUSY = "busy", pgettext_lazy("call", "Busy")
    # Outbound: the customer did not pick up.
    NO_ANSWER = "no_answer", pgettext_lazy("call", "No answer")
    FORWARDED = "forwarded", pgettext_lazy("call", "Forwarded")
    # The network refused it (CTI causes congestion, notFound…).
    FAILED = "failed", pgettext_lazy("call", "Failed")


class CallSource(models.TextChoices):
    DESK = "desk", _("Logged in the desk")
    CTI = "cti", _("Telephone system")


class Call(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    # Found by the number (a caller unknown to the brand has none).
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("customer"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("ticket"),
    )
    # The callback this call was made for (an attempt to call the customer back).
    callback = models.ForeignKey(
        "telephony.Callback",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
        verbose_name=_("callback"),
    )
    direction = models.CharField(_("direction"), max_length=3, choices=CallDirection.choices)
    from_number = models.CharField(_("from"), max_length=40, blank=True)
    to_number = models.CharField(_("to"), max_length=40, blank=True)
    # The telephone system's id of the call (CTI `callId`): its later events find the call
    # by it, and a retried event finds the call it already made.
    external_id = models.CharField(_("call id"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=CallSource.choices, default=CallSource.DESK
    )
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices)
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Seconds the caller waited: to the answer, or (never answered) until the end.
    wait_s = models.PositiveIntegerField(_("waiting time (seconds)"), null=True, blank=True)
    # Seconds of conversation, from the answer to the end.
    duration_s = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices, blank=True)
    # CTI: why the call ended as the telephone system says it (`cause`), the number that
    # answered (`answeringNumber`) and the people it names (`user[]`), kept as given.
    cause = models.CharField(_("cause"), max_length=40, blank=True)
    answering_number = models.CharField(_("answering number"), max_length=40, blank=True)
    cti_users = models.JSONField(
        _("people named by the telephone system"), default=list, blank=True
    )
    # Who took or made the call (a call logged in the desk: who logged it).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    callback_wanted = models.BooleanField(_("callback wanted"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["brand", "-started_at"], name="call_brand_started"),
            models.Index(
                fields=["brand", "started_at"],
                name="call_brand_live",
                condition=Q(state__in=["ringing", "answered"]),
            ),
            models.Index(fields=["contact", "-started_at"], name="call_contact"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "external_id"],
                condition=~Q(external_id=""),
                name="call_external_id_unique_in_brand",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["in", "out"]), name="call_direction_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.from_number} → {self.to_number}"

    @property
    def number(self) -> str:
        """The customer's number: the caller's on an inbound call, the called one's on an
        outbound call."""
        return self.from_number if self.direction == CallDirection.INBOUND else self.to_number

    @property
    def missed(self) -> bool:
        """An inbound call that ended without an answer."""
        return (
            self.direction == CallDirection.INBOUND
            and self.state == CallState.ENDED
            and self.answered_at is None
        )


class Callback(models.Model):
    """Call the customer back, by `due_at`: a task for a person, or for a team."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        related_name="callbacks",
        verbose_name=_("customer"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
        verbose_name=_("ticket"),
    )
    # The call that asked for it (a missed call, a caller who wants to be called back).
    call = models.ForeignKey(
        Call,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
        verbose_name=_("call"),
    )
    phone = models.CharField(_("phone number"), max_length=40)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "brands.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_note = models.TextField(_("what was said"), blank=True)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["brand", "due_at"], name="callback_open", condition=Q(done_at__isnull=True)
            ),
            models.Index(
                fields=["assignee", "due_at"],
                name="callback_assignee_open",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(fields=["brand", "-done_at"], name="callback_brand_done"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} · {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
