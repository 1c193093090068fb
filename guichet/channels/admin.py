"""The SMS, social and telephony accounts in the admin (a brand's administrators), and the
incoming webhooks (read-only, replayable).

Secrets are write-only, as a mailbox's password: encrypted when saved, never shown back,
and to be typed again when the provider's API address changes (otherwise whoever may edit
the account could send the stored secret to a server of their choosing). The account's
webhook address is shown, ready to paste into the provider's console."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.accounts.permissions import Action, is_unrestricted
from guichet.brands.models import Brand
from guichet.channels import inbound
from guichet.channels.models import ChannelAccount, InboundEvent, InboundState
from guichet.intake.admin import ActionScopedAdmin, brands_where
from guichet.lib import clock
from guichet.lib.crypto import encrypt
from guichet.lib.scoping import all_brands


def _write_only(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class ChannelAccountForm(forms.ModelForm):
    secret = _write_only(
        _("secret"),
        _(
            "Twilio: the auth token. Meta: the app secret. Stored encrypted and never shown;"
            " leave empty to keep the stored one."
        ),
    )
    access_token = _write_only(
        _("access token"),
        _(
            "Meta: the page's or system user's token the replies are sent with. Stored"
            " encrypted and never shown; leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = ChannelAccount
        fields = [
            "brand",
            "provider",
            "name",
            "address",
            "account_sid",
            "verify_token",
            "api_base",
            "is_active",
        ]
        help_texts = {
            "address": _(
                "Twilio: the account's number (+…). WhatsApp: the phone number id. Messenger:"
                " the page id. Instagram: the account id."
            ),
            "api_base": _("Leave empty for the provider's own address."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.instance.pk
            and "api_base" in self.changed_data
            and not data.get("secret")
            and self.instance.secret_encrypted
        ):
            self.add_error("secret", _("Enter the secret again: the API address changed."))
        return data

    def save(self, commit: bool = True) -> ChannelAccount:
        account: ChannelAccount = super().save(commit=False)
        if not account.token:
            account.token = secrets.token_urlsafe(32)
        if account.created_at is None:
            account.created_at = clock.now()
        if self.cleaned_data.get("secret"):
            account.secret_encrypted = encrypt(self.cleaned_data["secret"])
        if self.cleaned_data.get("access_token"):
            account.access_token_encrypted = encrypt(self.cleaned_data["access_token"])
        if commit:
            account.save()
        return account


@admin.register(ChannelAccount)
class ChannelAccountAdmin(ActionScopedAdmin):
    view_action = Action.MANAGE_CHANNELS
    change_action = Action.MANAGE_CHANNELS
    add_action = Action.MANAGE_CHANNELS
    delete_action = Action.MANAGE_CHANNELS
    form = ChannelAccountForm
    list_display = ["name", "provider", "address", "brand", "is_active"]
    list_filter = [("brand", admin.RelatedOnlyFieldListFilter), "provider", "is_active"]
    search_fields = ["name", "address"]
    list_select_related = ["brand"]
    readonly_fields = ["webhook_address", "secret_stored", "access_token_stored"]
    fieldsets = [
        (None, {"fields": ["brand", "provider", "name", "address", "is_active"]}),
        (
            _("Provider"),
            {
                "fields": [
                    "webhook_address",
                    "secret",
                    "secret_stored",
                    "access_token",
                    "access_token_stored",
                    "account_sid",
                    "verify_token",
                    "api_base",
                ]
            },
        ),
    ]

    @admin.display(description=_("webhook address"))
    def webhook_address(self, obj: ChannelAccount) -> str:
        if not obj.pk:
            return str(_("Shown once the account is saved."))
        path = reverse("channel_webhook", kwargs={"provider": obj.provider, "token": obj.token})
        return format_html("<code>{}</code>", settings.SITE_URL + path)

    @admin.display(description=_("secret stored"), boolean=True)
    def secret_stored(self, obj: ChannelAccount) -> bool:
        return bool(obj.secret_encrypted)

    @admin.display(description=_("access token stored"), boolean=True)
    def access_token_stored(self, obj: ChannelAccount) -> bool:
        return bool(obj.access_token_encrypted)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand" and not is_unrestricted(request.user):
            kwargs["queryset"] = Brand.objects.filter(
                pk__in=brands_where(request.user, Action.MANAGE_CHANNELS)
            )
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(InboundEvent)
class InboundEventAdmin(ActionScopedAdmin):
    view_action = Action.VIEW_QUARANTINE
    change_action = Action.VIEW_QUARANTINE
    list_display = ["received_at", "brand", "provider", "state", "reason", "items", "ticket"]
    list_filter = ["state", "provider", ("brand", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["brand", "ticket"]
    exclude = ["body"]
    readonly_fields = [
        "brand",
        "account",
        "provider",
        "method",
        "url",
        "content_type",
        "headers",
        "body_text",
        "size",
        "sha256",
        "received_at",
        "state",
        "reason",
        "detail",
        "items",
        "ticket",
        "attempts",
        "processed_at",
    ]
    actions = ["replay"]

    @admin.display(description=_("raw body"))
    def body_text(self, obj: InboundEvent) -> str:
        return format_html("<pre>{}</pre>", bytes(obj.body)[:20000].decode("utf-8", "replace"))

    @admin.action(description=_("Process again"), permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[InboundEvent]) -> None:
        done = 0
        with all_brands():
            for event in queryset:
                if inbound.replay(event.pk).state == InboundState.PROCESSED:
                    done += 1
        messages.info(
            request,
            ngettext("%(n)d event processed.", "%(n)d events processed.", done) % {"n": done},
        )
