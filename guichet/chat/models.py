"""Live chat (docs/chat.md): the widget on a company's site, the console in the desk.

- `ChatWidget`: a brand's widget — whether it runs and the sites (origins) that may embed
  it. Whether the brand offers chat at all, its hours and how many chats an agent holds at
  once are the policy's (its `chat` channel).
- `ChatSession`: one conversation. It is a ticket from its first message (channel "chat"):
  the messages are the ticket's messages, its deadlines and escalation apply. It waits in
  the queue (at a level), is taken by an agent, may be transferred, and ends — the ticket
  stays open for any follow-up.
- `ChatEntry`: what the two sides see, numbered per session (`seq`, 1, 2, 3…): a message
  (the ticket's `Message`) or a system line (the agent joined, the chat was transferred…).
  A client that reconnects asks for what follows the last number it received; a message a
  client sends carries its own id (`client_id`), so a retry after a dropped connection is
  kept once.
- `AgentPresence`: who has the console open and is taking chats (for the queue's wait and
  whether the widget offers a chat or a message)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guichet.lib.scoping import BrandScopedManager


class ChatWidget(models.Model):
    brand = models.OneToOneField("brands.Brand", on_delete=models.CASCADE, related_name="+")
    is_enabled = models.BooleanField(_("enabled"), default=True)
    # The sites that may embed the widget, one origin per line ("https://www.example.com").
    # The brand's own customer pages (the portal) always may.
    allowed_origins = models.TextField(_("sites allowed to embed the widget"), blank=True)
    updated_at = models.DateTimeField(_("updated"))

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return f"chat widget of brand {self.brand_id}"

    def origins(self) -> list[str]:
        return [line.strip().rstrip("/").lower() for line in self.allowed_origins.split() if line]


class ChatState(models.TextChoices):
    QUEUED = "queued", _("Waiting for an agent")
    ACTIVE = "active", _("In progress")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    CUSTOMER = "customer", _("The customer left")
    AGENT = "agent", _("The agent ended it")
    ABUSIVE = "abusive", _("Ended for abusive behaviour")
    ABANDONED = "abandoned", _("The customer left before an agent answered")
    IDLE = "idle", _("Nobody wrote for too long")


class ChatSession(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="chats")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    # Who the visitor is: the key their token carries (the widget keeps the token).
    visitor = models.CharField(max_length=32, db_index=True)
    state = models.CharField(_("state"), max_length=8, choices=ChatState.choices)
    language = models.CharField(_("language"), max_length=8)
    topic = models.SlugField(_("topic"), max_length=40, blank=True)
    # The level whose agents may take it from the queue (a transfer to a level moves it).
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    queued_at = models.DateTimeField(_("waiting since"))
    accepted_at = models.DateTimeField(_("first taken"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("how it ended"), max_length=10, choices=EndReason.choices, blank=True
    )
    # The last entry's number, and how far each side has read.
    last_seq = models.PositiveIntegerField(default=0)
    customer_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    # The visitor's last sign of life (a connection, a message, a ping): a queued chat
    # whose visitor is gone for long is abandoned.
    visitor_seen_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("comment"), blank=True)
    transcript_sent_at = models.DateTimeField(_("transcript sent"), null=True, blank=True)
    # Where the widget was: the site's origin and the page.
    origin = models.CharField(max_length=200, blank=True)
    page = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("started"))
    # Every change (a line, a state, a read receipt): the web servers' watch reads the chats
    # changed since it last looked (docs/chat.md, "What runs where").
    updated_at = models.DateTimeField(db_index=True)
    # Counts the changes: a notice names the revision it announces, and a connection that
    # has read the chat at that revision (the writer's own) does not read it again.
    revision = models.PositiveIntegerField(default=0)

    objects = BrandScopedManager()

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes: ClassVar = [
            models.Index(fields=["brand", "state", "queued_at"], name="chat_queue"),
            models.Index(fields=["agent", "state"], name="chat_agent"),
        ]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.state})"


class Author(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatEntry(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="entries")
    seq = models.PositiveIntegerField()
    author = models.CharField(max_length=8, choices=Author.choices)
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A system line: what happened (`SystemLine` in `entries.py`) and its details, worded in
    # the reader's language when shown.
    code = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The sender's own id of a message (a retry after a dropped connection is kept once).
    client_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    objects = BrandScopedManager()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "seq"], name="chat_entry_seq"),
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=~Q(client_id=""),
                name="chat_entry_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"chat {self.session_id} #{self.seq}"


class PresenceStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")


class AgentPresence(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    status = models.CharField(
        max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.AVAILABLE
    )
    # The console's last heartbeat; older than PRESENCE_TIMEOUT, the agent is not there.
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"
