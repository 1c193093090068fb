"""Tickets in the admin: read everything; every change goes through the services.

The change form edits classification, status and assignee; `save_model` turns the
form's changes into service calls (one event each), passing the revision the form was
drawn from, so an edit on a stale page is refused instead of overwriting."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.accounts.access import signed_in
from guichet.accounts.admin.scoping import BrandScopedAdmin, ScopedInline
from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.lib.errors import ServiceError
from guichet.tickets import services
from guichet.tickets.choices import Complexity, ContactType, Priority, Status
from guichet.tickets.models import Event, Message, Ticket


class TicketForm(forms.ModelForm):
    seen_revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Ticket
        fields = ["contact_type", "category", "priority", "complexity", "status", "assignee"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticket: Ticket = self.instance
        policy = ticket.brand.get_policy()
        lang = ticket.language
        self.fields["seen_revision"].initial = ticket.revision
        self.fields["contact_type"] = forms.ChoiceField(
            label=_("contact type"),
            choices=[(t.type, ContactType(t.type).label) for t in policy.contact_types],
        )
        self.fields["category"] = forms.ChoiceField(
            label=_("category"),
            required=False,
            choices=[("", "—")] + [(c.key, c.name.get(lang)) for c in policy.categories],
        )
        self.fields["priority"] = forms.ChoiceField(label=_("priority"), choices=Priority.choices)
        self.fields["complexity"] = forms.ChoiceField(
            label=_("complexity"), choices=Complexity.choices
        )
        if ticket.status == Status.CLOSED:
            self.fields["status"].disabled = True
        else:
            self.fields["status"] = forms.ChoiceField(
                label=_("status"),
                choices=[(s.value, s.label) for s in Status if s not in (Status.NEW, Status.CLOSED)]
                + ([(Status.NEW.value, Status.NEW.label)] if ticket.status == Status.NEW else []),
            )
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__brand_id=ticket.brand_id, memberships__is_active=True
        ).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("seen_revision") != Ticket._base_manager.values_list("revision", flat=True).get(
            pk=self.instance.pk
        ):
            raise forms.ValidationError(
                _(
                    "Someone else changed this ticket in the meantime. Reload it before trying again."
                )
            )
        return data


class MessageInline(ScopedInline, admin.StackedInline):
    model = Message
    extra = 0
    can_delete = False
    fields: ClassVar[Any] = (
        "created_at",
        "direction",
        "is_internal",
        "is_automatic",
        "channel",
        "author_user",
        "author_contact",
        "text",
    )
    readonly_fields = fields


class EventInline(ScopedInline, admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields: ClassVar[Any] = ("at", "verb", "actor_user", "actor_contact", "actor_label", "data")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_TICKET
    change_action = Action.CHANGE_FIELDS
    form = TicketForm
    list_display = [
        "reference",
        "subject",
        "brand",
        "contact_type",
        "category",
        "priority",
        "status",
        "level",
        "assignee",
        "created_at",
    ]
    list_filter = ["brand", "status", "contact_type", "channel", "priority", "level", "outcome"]
    search_fields = ["reference", "subject", "contact__name", "contact__emails__address"]
    list_select_related = ["brand", "assignee"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "reference",
        "brand",
        "contact",
        "channel",
        "subject",
        "language",
        "level",
        "team",
        "seller",
        "outcome",
        "created_at",
        "updated_at",
        "closed_at",
        "level_started_at",
        "first_responded_at",
        "next_due_at",
        "revision",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "brand", "subject", "contact", "channel", "language"]}),
        (
            _("Handling"),
            {
                "fields": [
                    "contact_type",
                    "category",
                    "priority",
                    "complexity",
                    "status",
                    "assignee",
                    "seen_revision",
                ]
            },
        ),
        (
            _("Level and outcome"),
            {"fields": ["level", "team", "seller", "outcome", "level_started_at"]},
        ),
        (
            _("Dates"),
            {
                "fields": [
                    "created_at",
                    "first_responded_at",
                    "next_due_at",
                    "updated_at",
                    "closed_at",
                    "revision",
                ]
            },
        ),
    ]
    inlines = [MessageInline, EventInline]  # and the deadlines, which sla.admin adds
    actions = ["take"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("brand", "contact", "assignee", "team")

    def save_model(self, request: HttpRequest, obj: Ticket, form: Any, change: bool) -> None:
        """Apply the form through the services. `obj` already carries the form's values
        (Django sets them before calling this); read the stored ticket for the old ones."""
        data = form.cleaned_data
        ticket = Ticket._base_manager.select_related("brand").get(pk=obj.pk)
        revision = data["seen_revision"]
        try:
            fields = {
                name: data[name]
                for name in ("contact_type", "category", "priority", "complexity")
                if name in form.changed_data
            }
            if fields:
                services.ticket_change(
                    ticket=ticket, actor=signed_in(request), expected_revision=revision, **fields
                )
                revision = ticket.revision
            if "status" in form.changed_data and ticket.status != Status.CLOSED:
                services.ticket_set_status(
                    ticket=ticket,
                    actor=signed_in(request),
                    status=data["status"],
                    expected_revision=revision,
                )
                revision = ticket.revision
            if "assignee" in form.changed_data:
                services.ticket_assign(
                    ticket=ticket,
                    actor=signed_in(request),
                    assignee=data["assignee"],
                    expected_revision=revision,
                )
        except ServiceError as exc:
            messages.error(request, str(exc))
        obj.refresh_from_db()

    @admin.action(description=_("Take the selected tickets (assign to me)"))
    def take(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        taken = 0
        for ticket in queryset:
            try:
                services.ticket_assign(
                    ticket=ticket, actor=signed_in(request), assignee=signed_in(request)
                )
                taken += 1
            except ServiceError as exc:
                messages.error(request, f"{ticket.reference}: {exc}")
        if taken:
            messages.success(
                request,
                ngettext("%(n)d ticket taken.", "%(n)d tickets taken.", taken) % {"n": taken},
            )


@admin.register(Event)
class EventAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_REPORTS
    list_display = ["at", "ticket", "verb", "actor_user", "actor_contact", "actor_label"]
    list_filter = ["brand", "verb"]
    list_select_related = ["ticket", "actor_user", "actor_contact"]
    readonly_fields = [
        "brand",
        "ticket",
        "verb",
        "actor_user",
        "actor_contact",
        "actor_label",
        "message",
        "data",
        "at",
    ]
