"""Policy versions: read any version; publish a new one by pasting a TOML file, which is
checked exactly as `guichet policy check` does."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.accounts.access import signed_in
from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.brands.services import PolicyConflict, policy_publish
from guichet.policies.loader import PolicyInvalid, load_policy
from guichet.policies.models import PolicyVersion


class PublishForm(forms.ModelForm):
    text = forms.CharField(
        label=_("Policy file (TOML)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("What changes"), required=False, max_length=300)

    class Meta:
        model = PolicyVersion
        fields = ["text", "note"]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        result = load_policy(text, "policy")
        if not result.ok:
            raise forms.ValidationError([e.format("line") for e in result.errors])
        assert result.policy is not None
        slug = result.policy.brand.slug
        brand = Brand.objects.filter(slug=slug).first()
        user = self.request.user if self.request else None
        if not is_unrestricted(user) and (
            brand is None or not can(user, Action.MANAGE_POLICY, brand=brand)
        ):
            raise forms.ValidationError(
                _("You cannot publish a policy for the brand “%(slug)s”."), params={"slug": slug}
            )
        return text


@admin.register(PolicyVersion)
class PolicyVersionAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_POLICY
    add_action = Action.MANAGE_POLICY
    list_display = ["brand", "number", "label", "created_at", "created_by", "source", "in_force"]
    list_filter = ["brand"]
    readonly_fields = [
        "brand",
        "number",
        "label",
        "text",
        "sha256",
        "source",
        "note",
        "created_at",
        "created_by",
    ]

    @admin.display(boolean=True, description=_("in force"))
    def in_force(self, obj: PolicyVersion) -> bool:
        return obj.brand.policy_id == obj.pk

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            form = PublishForm

            class RequestForm(form):  # type: ignore[valid-type,misc]
                def __init__(self, *args: Any, **kw: Any) -> None:
                    super().__init__(*args, request=request, **kw)

            return RequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else ["text", "note"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            result = policy_publish(
                text=form.cleaned_data["text"],
                source="admin",
                actor=signed_in(request),
                note=form.cleaned_data["note"],
            )
        except (PolicyInvalid, PolicyConflict) as exc:  # checked in the form; a race can still fail
            raise forms.ValidationError(str(exc)) from exc
        obj.pk = result.version.pk
        obj.__dict__.update(result.version.__dict__)
