"""API keys and webhooks in the admin: a key is created with its brand and scopes and shown
once; a webhook's URL is checked (SSRF) when saved, its signing secret shown once; the
deliveries, with the log of their attempts, can be replayed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.access import signed_in
from guichet.accounts.admin.scoping import BrandScopedAdmin, ScopedInline
from guichet.accounts.permissions import Action
from guichet.api.events import EventType
from guichet.api.keys import api_key_create, api_key_revoke
from guichet.api.models import (
    ApiKey,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from guichet.api.webhooks.services import (
    check_url,
    webhook_create,
    webhook_delete,
    webhook_replay,
    webhook_update,
)
from guichet.lib.errors import InvalidRequest


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["brand", "name", "scopes", "role", "rate_per_minute"]


@admin.register(ApiKey)
class ApiKeyAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_POLICY
    add_action = Action.MANAGE_POLICY
    list_display = [
        "name",
        "brand",
        "prefix",
        "scopes",
        "role",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["brand"]
    readonly_fields = [
        "brand",
        "name",
        "prefix",
        "scopes",
        "role",
        "rate_per_minute",
        "user",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else ApiKeyForm.Meta.fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        key, token = api_key_create(
            brand=form.cleaned_data["brand"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            role=form.cleaned_data["role"],
            rate_per_minute=form.cleaned_data["rate_per_minute"],
            actor=signed_in(request),
        )
        obj.pk = key.pk
        obj.__dict__.update(key.__dict__)
        messages.warning(
            request,
            _("The key is shown this once; copy it now: %(token)s") % {"token": token},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            api_key_revoke(key=key)
        messages.success(request, _("Keys revoked."))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- webhooks ------------------------------------------------------------------------------------


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["brand", "url", "description", "events", "is_active"]

    def clean_url(self) -> str:
        # The same check as the service's (SSRF), shown on the field.
        try:
            return check_url(self.cleaned_data["url"])
        except InvalidRequest as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_POLICY
    add_action = Action.MANAGE_POLICY
    change_action = Action.MANAGE_POLICY
    delete_action = Action.MANAGE_POLICY
    form = WebhookForm
    list_display = ["url", "brand", "events", "is_active", "created_at"]
    list_filter = ["brand", "is_active"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["brand", "url", "description", "events"]
        return ["brand", "url", "description", "events", "is_active", "created_at", "created_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["brand", "created_at", "created_by"] if obj else []

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            webhook_update(
                endpoint=obj,
                url=data["url"],
                events=list(data["events"]),
                description=data.get("description", ""),
                is_active=data.get("is_active", obj.is_active),
            )
            return
        endpoint, secret = webhook_create(
            brand=data["brand"],
            url=data["url"],
            events=list(data["events"]),
            description=data.get("description", ""),
            actor=signed_in(request),
        )
        obj.pk = endpoint.pk
        obj.__dict__.update(endpoint.__dict__)
        messages.warning(
            request,
            _("The signing secret is shown this once; copy it now: %(secret)s")
            % {"secret": secret},
        )

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        webhook_delete(endpoint=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for endpoint in queryset:
            webhook_delete(endpoint=endpoint)


class WebhookAttemptInline(ScopedInline, admin.TabularInline):
    model = WebhookAttempt
    view_action = Action.MANAGE_POLICY
    change_action = None
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "at",
        "status_code",
        "duration_ms",
        "error",
        "response_excerpt",
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_POLICY
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "replay_of",
    ]
    list_filter = ["brand", "status", "event_type"]
    list_select_related = ["endpoint", "replay_of"]
    fields = readonly_fields = (
        "uid",
        "brand",
        "endpoint",
        "event_type",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "replay_of",
        "body",
    )
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Replay the selected deliveries"))
    def replay(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        for delivery in queryset:
            if not self._can(request, Action.MANAGE_POLICY, delivery):
                continue
            try:
                webhook_replay(delivery=delivery)
            except InvalidRequest as error:
                messages.error(request, str(error))
                continue
            done += 1
        if done:
            messages.success(request, _("%(count)s deliveries queued again.") % {"count": done})
