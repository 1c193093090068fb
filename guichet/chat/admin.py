"""A brand's chat widget in the admin (its administrators, `MANAGE_CHANNELS`): whether it
runs, and the sites allowed to embed it. The tag to paste and the preview page are shown
once it is saved. Whether the brand offers chat at all is its policy's (`chat` channel)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guichet.accounts.permissions import Action, is_unrestricted
from guichet.brands.models import Brand
from guichet.chat.models import ChatWidget
from guichet.chat.origins import normalise, widget_brand
from guichet.intake.admin import ActionScopedAdmin, brands_where
from guichet.lib import clock


class ChatWidgetForm(forms.ModelForm):
    class Meta:
        model = ChatWidget
        fields = ["brand", "is_enabled", "allowed_origins"]
        help_texts = {
            "allowed_origins": _(
                "One site per line, as its address starts: https://www.example.com (a "
                "scheme, a host and a port if not the usual one; no path). The brand's "
                "customer pages on Guichet always may."
            ),
        }
        widgets = {"allowed_origins": forms.Textarea(attrs={"rows": 4})}

    def clean_allowed_origins(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["allowed_origins"].splitlines()]
        origins, wrong = [], []
        for line in filter(None, lines):
            origin = normalise(line)
            if origin is None:
                wrong.append(line)
            elif origin not in origins:
                origins.append(origin)
        if wrong:
            raise forms.ValidationError(
                _("Not a site's address (https://host or https://host:port): %(lines)s"),
                params={"lines": ", ".join(wrong)},
            )
        return "\n".join(origins)

    def save(self, commit: bool = True) -> ChatWidget:
        widget: ChatWidget = super().save(commit=False)
        widget.updated_at = clock.now()
        if commit:
            widget.save()
        return widget


@admin.register(ChatWidget)
class ChatWidgetAdmin(ActionScopedAdmin):
    view_action = Action.MANAGE_CHANNELS
    change_action = Action.MANAGE_CHANNELS
    add_action = Action.MANAGE_CHANNELS
    delete_action = Action.MANAGE_CHANNELS
    form = ChatWidgetForm
    list_display = ["brand", "is_enabled", "runs", "updated_at"]
    list_filter = ["is_enabled"]
    list_select_related = ["brand"]
    readonly_fields = ["runs", "snippet", "preview"]
    fields = ["brand", "is_enabled", "allowed_origins", "runs", "snippet", "preview"]

    @admin.display(description=_("runs"), boolean=True)
    def runs(self, obj: ChatWidget) -> bool:
        """Enabled, and the brand's policy in force offers a chat."""
        return bool(obj.pk) and widget_brand(obj.brand.slug) is not None

    @admin.display(description=_("tag to paste into the site's pages"))
    def snippet(self, obj: ChatWidget) -> str:
        if not obj.pk:
            return str(_("Shown once the widget is saved."))
        url = settings.SITE_URL + reverse("chat:widget", kwargs={"brand": obj.brand.slug})
        return format_html('<code>&lt;script src="{}" async&gt;&lt;/script&gt;</code>', url)

    @admin.display(description=_("preview"))
    def preview(self, obj: ChatWidget) -> str:
        if not obj.pk:
            return ""
        url = reverse("chat:preview", kwargs={"brand": obj.brand.slug})
        return format_html('<a href="{}">{}</a>', url, _("Try the widget"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand" and not is_unrestricted(request.user):
            kwargs["queryset"] = Brand.objects.filter(
                pk__in=brands_where(request.user, Action.MANAGE_CHANNELS)
            )
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
