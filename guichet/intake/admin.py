"""The email channel in the admin: mailboxes (administrators of a brand) and incoming
emails with their quarantine (read-only, replayable, the raw message downloadable).

A mailbox's password is write-only: it is encrypted when saved, never shown back, and must
be typed again when the server, port, TLS or user name changes (otherwise anyone who may
edit the mailbox could send the stored password to a server of their choosing)."""

from __future__ import annotations

from collections import Counter
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.intake.email import imap, ingest
from guichet.intake.models import InboundEmail, InboundState, Mailbox

# Changing one of these sends the password somewhere new: it must be typed again.
CONNECTION_FIELDS = ("host", "port", "use_ssl", "username")


def brands_where(user: Any, action: Action) -> list[int]:
    """The person's brands in which they may do `action` (a role in a brand where they may
    not is no reason to list that brand's rows and answer 403 on them)."""
    return [
        brand.pk
        for brand in Brand.objects.filter(pk__in=brand_ids(user))
        if can(user, action, brand=brand)
    ]


class ActionScopedAdmin(BrandScopedAdmin):
    """Lists only the rows of brands where the person has `view_action`; other rows answer
    404, as for another brand."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if is_unrestricted(request.user):
            return qs
        return qs.filter(
            **{f"{self.brand_field}__in": brands_where(request.user, self.view_action)}
        )


# --- mailboxes ---------------------------------------------------------------------------------


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the stored password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "brand",
            "name",
            "address",
            "host",
            "port",
            "use_ssl",
            "username",
            "password",
            "folder",
            "move_to",
            "is_active",
        ]
        help_texts = {
            "use_ssl": _("IMAPS, or STARTTLS on port 143. Certificates are verified."),
            "folder": _(
                "Every message in this folder is imported, read or not, the first time it "
                "is polled."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("password"):
            if not self.instance.password_encrypted:
                self.add_error("password", _("Enter the mailbox's password."))
            elif self.instance.pk and any(f in self.changed_data for f in CONNECTION_FIELDS):
                self.add_error(
                    "password",
                    _("Enter the password again: the server, port, TLS or user name changed."),
                )
        if data.get("move_to") and data.get("move_to") == data.get("folder"):
            # Moved into the folder it is read from, mail would come back under new UIDs.
            self.add_error("move_to", _("Choose a folder other than the one that is polled."))
        return data

    def save(self, commit: bool = True) -> Mailbox:
        mailbox: Mailbox = super().save(commit=False)
        if self.cleaned_data.get("password"):
            mailbox.set_password(self.cleaned_data["password"])
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(ActionScopedAdmin):
    view_action = Action.MANAGE_POLICY
    change_action = Action.MANAGE_POLICY
    add_action = Action.MANAGE_POLICY
    delete_action = Action.MANAGE_POLICY
    form = MailboxForm
    list_display = ["name", "address", "brand", "folder", "is_active", "polled_at", "healthy"]
    list_filter = [("brand", admin.RelatedOnlyFieldListFilter), "is_active"]
    search_fields = ["name", "address", "host"]
    list_select_related = ["brand"]
    readonly_fields = ["password_stored", "uidvalidity", "last_uid", "polled_at", "last_error"]
    actions = ["check_connection", "poll_now"]

    fieldsets = [
        (None, {"fields": ["brand", "name", "address", "is_active"]}),
        (
            _("Server"),
            {"fields": ["host", "port", "use_ssl", "username", "password", "password_stored"]},
        ),
        (_("Folders"), {"fields": ["folder", "move_to"]}),
        (_("Polling"), {"fields": ["polled_at", "last_error", "uidvalidity", "last_uid"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Mailbox, form: Any, change: bool) -> None:
        if not change:
            obj.save()
            return
        # Only what the form edits: a poll running meanwhile owns the checkpoint and lease,
        # and this page's copy of them is stale.
        edited = [name for name in MailboxForm.Meta.fields if name != "password"]
        obj.save(update_fields=[*edited, "password_encrypted"])

    @admin.display(description=_("password stored"), boolean=True)
    def password_stored(self, obj: Mailbox) -> bool:
        return bool(obj.password_encrypted)

    @admin.display(description=_("working"), boolean=True)
    def healthy(self, obj: Mailbox) -> bool | None:
        if obj.polled_at is None:
            return None
        return not obj.last_error

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand" and not is_unrestricted(request.user):
            # Narrower than the base class's choice (every brand of the person): only the
            # brands they administer.
            kwargs["queryset"] = Brand.objects.filter(
                pk__in=brands_where(request.user, Action.MANAGE_POLICY)
            )
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("Test the connection"), permissions=["change"])
    def check_connection(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            try:
                count = imap.check_connection(mailbox)
            except imap.MailboxError as exc:
                messages.error(
                    request,
                    _("%(mailbox)s: %(error)s") % {"mailbox": mailbox, "error": exc},
                )
                continue
            messages.success(
                request,
                ngettext(
                    "%(mailbox)s: connected; %(n)d message in the folder.",
                    "%(mailbox)s: connected; %(n)d messages in the folder.",
                    count,
                )
                % {"mailbox": mailbox, "n": count},
            )

    @admin.action(description=_("Poll now"), permissions=["change"])
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        """Runs the poll in the request (the worker polls every minute anyway)."""
        for mailbox in queryset:
            stats = imap.poll(mailbox)
            if stats["busy"]:
                messages.warning(
                    request,
                    _("%(mailbox)s: a poll is already running; try again in a moment.")
                    % {"mailbox": mailbox},
                )
                continue
            report = _(
                "%(mailbox)s: %(new)d new, %(duplicates)d already received, "
                "%(failed)d not taken (retried on the next poll)."
            ) % {"mailbox": mailbox, **stats}
            if mailbox.last_error:
                messages.error(request, f"{report} {mailbox.last_error}")
            else:
                messages.success(request, report)


# --- incoming emails -------------------------------------------------------------------------


def _decoded(value: Any) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:  # a malformed encoded word: show it as it came
        return str(value)


@admin.register(InboundEmail)
class InboundEmailAdmin(ActionScopedAdmin):
    """Every incoming email, the quarantine first among them. Read-only: what can be done
    is replaying (after a fix) and downloading the raw message."""

    view_action = Action.VIEW_QUARANTINE
    list_display = [
        "received_at",
        "brand",
        "source",
        "envelope_from",
        "header_message_id",
        "state",
        "reason",
        "ticket",
        "attempts",
    ]
    list_filter = ["state", "reason", "source", ("brand", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["header_message_id", "envelope_from", "sha256", "ticket__reference"]
    list_select_related = ["brand", "ticket"]
    actions = ["replay"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "brand",
                    "mailbox",
                    "source",
                    "received_at",
                    "state",
                    "reason",
                    "detail",
                    "ticket",
                    "message",
                    "new_ticket",
                    "attempts",
                    "processed_at",
                ]
            },
        ),
        (
            _("Message"),
            {
                "fields": [
                    "raw_download",
                    "header_message_id",
                    "envelope_from",
                    "envelope_to",
                    "size",
                    "original_size",
                    "sha256",
                    "headers",
                ]
            },
        ),
    ]
    readonly_fields = [
        "brand",
        "mailbox",
        "source",
        "received_at",
        "state",
        "reason",
        "detail",
        "ticket",
        "message",
        "new_ticket",
        "attempts",
        "processed_at",
        "raw_download",
        "header_message_id",
        "envelope_from",
        "envelope_to",
        "size",
        "original_size",
        "sha256",
        "headers",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundEmail]:
        # A raw message can weigh tens of megabytes: read it only where it is needed.
        return super().get_queryset(request).defer("raw")

    @admin.display(description=_("headers"))
    def headers(self, obj: InboundEmail) -> str:
        raw = bytes(obj.raw)[: 256 * 1024]
        try:
            parsed = BytesHeaderParser(policy=compat32).parsebytes(raw)
        except Exception:  # the bytes are kept whatever they are; show what can be shown
            return "—"
        lines = [(name, _decoded(value)) for name, value in list(parsed.items())[:200]]
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>',
            format_html_join("\n", "{}: {}", lines),
        )

    @admin.display(description=_("raw message"))
    def raw_download(self, obj: InboundEmail) -> str:
        url = reverse(f"{self.admin_site.name}:intake_inboundemail_raw", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            _("Download the .eml file"),
            ngettext("%(n)d byte", "%(n)d bytes", obj.size) % {"n": obj.size},
        )

    def get_urls(self) -> list[URLPattern]:
        raw = path(
            "<path:object_id>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="intake_inboundemail_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The message as it arrived, always as a download: a browser must never render
        a stranger's HTML or scripts inside the admin's origin."""
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        response = HttpResponse(bytes(obj.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{obj.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return self._can(request, Action.VIEW_QUARANTINE)

    @admin.action(
        description=_("Process the selected quarantined messages again"), permissions=["replay"]
    )
    def replay(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        outcomes: Counter[str] = Counter()
        skipped = 0
        for inbound_id, state in queryset.values_list("pk", "state"):
            if state != InboundState.QUARANTINED:
                skipped += 1
                continue
            outcomes[ingest.replay(inbound_id).state] += 1
        replayed = sum(outcomes.values())
        if replayed:
            messages.success(
                request,
                ngettext(
                    "%(n)d message processed again: %(tickets)d ticket messages, "
                    "%(ignored)d ignored, %(quarantined)d still quarantined.",
                    "%(n)d messages processed again: %(tickets)d ticket messages, "
                    "%(ignored)d ignored, %(quarantined)d still quarantined.",
                    replayed,
                )
                % {
                    "n": replayed,
                    "tickets": outcomes[InboundState.TICKET_MESSAGE],
                    "ignored": outcomes[InboundState.IGNORED],
                    "quarantined": outcomes[InboundState.QUARANTINED],
                },
            )
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(n)d message was not quarantined and was left as it is.",
                    "%(n)d messages were not quarantined and were left as they are.",
                    skipped,
                )
                % {"n": skipped},
            )
