from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.accounts.access import signed_in
from guichet.accounts.admin.scoping import BrandScopedAdmin, ScopedInline
from guichet.accounts.permissions import Action
from guichet.contacts import services
from guichet.contacts.models import Contact, ContactBlock, ContactEmail, ContactPhone
from guichet.lib.errors import ServiceError


class EmailInline(ScopedInline, admin.TabularInline):
    change_action = Action.MANAGE_PEOPLE
    model = ContactEmail
    extra = 0
    fields = ["address", "is_primary"]


class PhoneInline(ScopedInline, admin.TabularInline):
    change_action = Action.MANAGE_PEOPLE
    model = ContactPhone
    extra = 0
    fields = ["number", "is_primary"]


class BlockInline(ScopedInline, admin.TabularInline):
    """The history of blocks: read only, written by the services."""

    model = ContactBlock
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "blocked_at",
        "blocked_by",
        "reason",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


class MergeForm(forms.Form):
    keep: forms.ModelChoiceField[Contact] = forms.ModelChoiceField(
        label=_("Record to keep"),
        queryset=Contact.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_(
            "The other records are merged into it: it gets their tickets, addresses, numbers and blocks."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, contacts: QuerySet[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.fields["keep"]
        keep.queryset = contacts  # type: ignore[attr-defined]
        keep.label_from_instance = lambda contact: f"{contact} (#{contact.pk})"  # type: ignore[attr-defined]


class BlockedFilter(admin.SimpleListFilter):
    title = _("blocked")
    parameter_name = "blocked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(blocked_since__isnull=self.value() == "no")
        return queryset


@admin.register(Contact)
class ContactAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_TICKET
    change_action = Action.MANAGE_PEOPLE
    list_display = ["name", "primary_email", "language", "brand", "blocked_since", "created_at"]
    list_filter = ["brand", "language", BlockedFilter]
    search_fields = ["name", "emails__address", "phones__number"]
    readonly_fields = [
        "brand",
        "blocked_since",
        "created_at",
        "updated_at",
        "merged_into",
        "merged_at",
        "merged_by",
        "merge_reason",
    ]
    fields = ["brand", "name", "language", "blocked_since", "created_at", "updated_at"]
    inlines = [EmailInline, PhoneInline, BlockInline]
    actions = ["block", "lift_block", "merge"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """A merged record says into which, when, by whom and why."""
        fields = list(self.fields)
        if obj is not None and obj.merged_into_id is not None:
            fields += ["merged_into", "merged_at", "merged_by", "merge_reason"]
        return fields

    @admin.action(description=_("Block the selected customers…"))
    def block(self, request: HttpRequest, queryset: QuerySet[Contact]) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="block",
            title=_("Block"),
            explanation=_(
                "Their email will be quarantined and never answered until the block is lifted."
            ),
            apply=services.contact_block,
        )

    @admin.action(description=_("Lift the block of the selected customers…"))
    def lift_block(
        self, request: HttpRequest, queryset: QuerySet[Contact]
    ) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            action="lift_block",
            title=_("Lift the block"),
            explanation=_("Their email will be processed again from now on."),
            apply=services.contact_lift_block,
        )

    @admin.action(description=_("Merge the selected records of one customer…"))
    def merge(self, request: HttpRequest, queryset: QuerySet[Contact]) -> TemplateResponse | None:
        """Ask which record to keep (and why), then merge the others into it through the
        services (`contact_merge`), which check the role and the brand."""
        if queryset.count() < 2:
            messages.error(request, _("Select at least two records of the same customer."))
            return None
        form = MergeForm(request.POST if "apply" in request.POST else None, contacts=queryset)
        if form.is_valid():
            kept = form.cleaned_data["keep"]
            done = 0
            for contact in queryset.exclude(pk=kept.pk).select_related("brand"):
                try:
                    services.contact_merge(
                        keep=kept,
                        merge=contact,
                        actor=signed_in(request),
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except ServiceError as exc:
                    messages.error(request, f"{contact}: {exc}")
                except PermissionDenied:
                    refused = _("Your role does not allow this.")
                    messages.error(request, f"{contact}: {refused}")
            if done:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d record merged into %(kept)s.",
                        "%(n)d records merged into %(kept)s.",
                        done,
                    )
                    % {"n": done, "kept": kept},
                )
            return None
        return TemplateResponse(
            request,
            "admin/contacts/contact/reason.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Merge"),
                "explanation": _(
                    "The tickets, addresses, numbers and blocks of the other records go to "
                    "the one kept; the others stay, marked as merged into it."
                ),
                "contacts": list(queryset),
                "form": form,
                "action": "merge",
            },
        )

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[Contact],
        *,
        action: str,
        title: Any,
        explanation: Any,
        apply: Callable[..., Any],
    ) -> TemplateResponse | None:
        """Ask for the reason, then act on each customer through the services."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for contact in queryset.select_related("brand"):
                try:
                    apply(
                        contact=contact,
                        actor=signed_in(request),
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except ServiceError as exc:
                    messages.error(request, f"{contact}: {exc}")
                except PermissionDenied:
                    refused = _("Your role does not allow this.")
                    messages.error(request, f"{contact}: {refused}")
            if done:
                messages.success(
                    request,
                    ngettext("%(n)d customer done.", "%(n)d customers done.", done) % {"n": done},
                )
            return None
        return TemplateResponse(
            request,
            "admin/contacts/contact/reason.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "explanation": explanation,
                "contacts": list(queryset),
                "form": form,
                "action": action,
            },
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return super().get_queryset(request).prefetch_related("emails")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for instance in formset.save(commit=False):
            instance.brand_id = form.instance.brand_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
