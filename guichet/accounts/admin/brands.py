from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action, brand_ids, is_unrestricted
from guichet.brands.models import Brand, BrandLogo, Team
from guichet.brands.services import brand_remove_logo, brand_set_logo
from guichet.lib.errors import InvalidRequest
from guichet.lib.images import ACCEPT, MAX_BYTES, MB, checked_picture
from guichet.lib.scoping import brand_scope


class BrandForm(forms.ModelForm):
    """The brand's own fields that no policy holds: its logo (checked like the customers'
    files, by its content, and redrawn before it is kept) and whether it is active."""

    logo_upload = forms.FileField(
        label=_("New logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, up to 2 MB; shown in the portal's header."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Brand
        fields = ["is_active"]

    def clean_logo_upload(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return None
        if (upload.size or 0) > MAX_BYTES:  # refused before it is read
            raise forms.ValidationError(
                _("The image is larger than %(limit)s MB."), params={"limit": MAX_BYTES // MB}
            )
        data = upload.read()
        try:
            checked_picture(data)
        except InvalidRequest as refused:
            raise forms.ValidationError(str(refused)) from refused
        return data


@admin.register(Brand)
class BrandAdmin(BrandScopedAdmin):
    """Most fields come from the policy: change them by publishing a new policy version.
    The logo is uploaded here (brand administrators)."""

    brand_field = "pk"
    view_action = Action.MANAGE_POLICY
    change_action = Action.MANAGE_POLICY
    form = BrandForm
    list_display = [
        "name",
        "slug",
        "reference_prefix",
        "timezone",
        "country",
        "policy",
        "is_active",
    ]
    readonly_fields = [
        "slug",
        "name",
        "reference_prefix",
        "languages",
        "timezone",
        "country",
        "subdivision",
        "colour",
        "policy",
        "created_at",
        "current_logo",
    ]
    fields = [*readonly_fields, "logo_upload", "remove_logo", "is_active"]

    @admin.display(description=_("logo"))
    def current_logo(self, obj: Brand) -> str:
        if obj.pk is None:
            return "—"
        with brand_scope(obj):
            logo = BrandLogo.objects.filter(brand=obj).values("digest", "width", "height").first()
        if logo is None:
            return str(_("none: the portal shows the brand's name"))
        src = reverse("portal:logo", kwargs={"brand": obj.slug, "digest": logo["digest"]})
        return format_html(
            '<img src="{}" alt="{}" height="40"> {}×{}',
            src,
            obj.name,
            logo["width"],
            logo["height"],
        )

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        data = form.cleaned_data.get("logo_upload")
        if data:
            brand_set_logo(brand=obj, data=data)
        elif form.cleaned_data.get("remove_logo"):
            brand_remove_logo(brand=obj)

    def _brand_of(self, obj: Brand) -> Brand:
        return obj

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        qs = Brand.objects.all()
        return qs if is_unrestricted(request.user) else qs.filter(pk__in=brand_ids(request.user))


@admin.register(Team)
class TeamAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_REPORTS
    list_display = ["key", "__str__", "brand"]
    list_filter = ["brand"]
    readonly_fields = ["brand", "key", "names"]
