"""Letter templates (a brand's managers and administrators word its letters, with a
preview in each of its languages) and the outbox (read-only: what was sent to whom, and
how it went)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template import TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.html import text_to_html
from guichet.lib.names import language_name
from guichet.notify.letters import (
    Amount,
    default_template,
    ombudsman_context,
    render,
    survey_context,
)
from guichet.notify.models import SELLER_LETTERS, LetterKind, LetterTemplate, OutboundEmail
from guichet.notify.sellers import seller_portal_paths
from guichet.tickets.choices import ContactType, Outcome

# The sample request a preview is written for, in each language.
_SAMPLE_TEXTS = {
    "fr": {
        "customer_name": "Hélène Lefèvre",
        "subject": "Facture en double",
        "handler": "Camille",
        "reason": "l’absence d’une personne du service",
        "summary": "Nous vous remboursons la seconde facture.",
        "merged_subject": "Facture en double (suite)",
        "agent_text": "La cliente n’a pas reçu le lave-linge de la commande JM-889, payée le"
        " 12 novembre. Pouvez-vous nous dire où en est la livraison ?",
        "shared": "Le 22 novembre 2026 à 10:05, le client a écrit :\n> Commande JM-889 payée"
        " il y a dix jours, rien reçu.\nPièces jointes (à ouvrir dans votre espace vendeur) :"
        " facture-JM-889.pdf",
        "refusal_reason": "le vendeur a répondu dans le délai et propose un remboursement",
        "payment_reason": "frais de livraison facturés deux fois",
        "seller_address": "12 rue des Vendeurs\n20000 Casablanca",
    },
    "en": {
        "customer_name": "Helen Lee",
        "subject": "Charged twice",
        "handler": "Camille",
        "reason": "a member of the team being away",
        "summary": "We are refunding the second charge.",
        "merged_subject": "Charged twice (continued)",
        "agent_text": "The customer has not received the washing machine of order JM-889, paid"
        " on 12 November. Can you tell us where the delivery stands?",
        "shared": "On Nov. 22, 2026, 10:05 a.m., the customer wrote:\n> Order JM-889 paid ten"
        " days ago, nothing received.\nAttachments (open them in your seller area):"
        " invoice-JM-889.pdf",
        "refusal_reason": "the seller answered in time and proposes a refund",
        "payment_reason": "delivery charged twice",
        "seller_address": "12 Sellers Street\n20000 Casablanca",
    },
}


def sample_context(brand: Brand, language: str) -> dict[str, str]:
    """Every value a letter may place, for a sample complaint at `brand`, written as the
    letters write them in `language` (its dates, its policy's levels and texts)."""
    policy = brand.get_policy()
    texts = _SAMPLE_TEXTS.get(language, _SAMPLE_TEXTS["en"])
    now = clock.now().astimezone(ZoneInfo(brand.timezone))
    second_number = min(2, policy.final_level)
    first, second = policy.level_at(1), policy.level_at(second_number)

    def when(days: int) -> str:
        return formats.date_format(now + timedelta(days=days), "DATETIME_FORMAT")

    def url(name: str, **kwargs: str) -> str:
        return settings.SITE_URL + reverse(
            f"portal:{name}", kwargs={"brand": brand.slug, **kwargs}, urlconf="guichet.links"
        )

    with translation.override(language):
        reference = f"{brand.reference_prefix}-26-00042"
        context = {
            **texts,
            "reference": reference,
            "merged_reference": f"{brand.reference_prefix}-26-00043",
            "brand_name": brand.name,
            "contact_type": str(ContactType.COMPLAINT.label).lower(),
            "received": when(0),
            "tracking_url": url("track"),
            "survey_url": url("survey", token="…"),  # noqa: S106 (a sample, not a secret)
            "process": policy.text(first.description, language),
            "first_response_due": when(1),
            "answer_due": when(5),
            "level_name": policy.text(second.name, language),
            "team_name": policy.text(second.name, language),
            "level_description": policy.text(second.description, language),
            "is_final": "yes" if second.final else "",
            "next_due": when(7),
            "previous_due": when(5),
            "new_due": when(10),
            "outcome": str(Outcome.PARTLY_UPHELD.label).lower(),
            "next_level": (
                # The level after the sample's, as outcome_context names it.
                policy.text(policy.level_at(second_number + 1).name, language)
                if not second.final and policy.escalation.customer_may_request
                else ""
            ),
            "ombudsman": (
                policy.text(policy.ombudsman.short_name, language) if policy.ombudsman else ""
            ),
            "expires": when(14),
            # A dispute's seller, and the letters about it and about money.
            "seller_name": "Atlas Électroménager",
            "seller_legal_name": "Atlas Électroménager SARL",
            "seller_email": "contact@atlas.example",
            "seller_phone": "+212 5 22 00 00 00",
            "seller_due": when(1),
            "link_expires": when(3),
            "portal_url": settings.SITE_URL + seller_portal_paths(brand.slug, reference, "…")[0],
            "follow_up": "",
            "amount": Amount(Decimal("49.90"), policy.brand.currency or "EUR").written(language),
            "is_credit": "",
            # The conduct policy's warning letter (docs/conduct.md): the first of its warnings.
            "warning_number": "1",
            "warnings_before_block": str(policy.conduct.warnings_before_block),
            "last_warning": "yes" if policy.conduct.warnings_before_block <= 1 else "",
        }
    context.update(ombudsman_context(policy, language))
    context.update(survey_context(policy, language))
    return context


# What a letter to the seller may place (letters.seller_base_context and the seller's
# letters' own values): nothing of the customer.
_SELLER_KEYS = {
    "reference",
    "brand_name",
    "seller_name",
    "agent_text",
    "shared",
    "seller_due",
    "portal_url",
    "link_expires",
    "follow_up",
}


def preview_of(brand: Brand, kind: str, language: str, subject: str, body: str) -> dict[str, Any]:
    """A letter as the customer would get it: subject, text and HTML part."""
    context = sample_context(brand, language)
    if kind in SELLER_LETTERS:
        context = {key: value for key, value in context.items() if key in _SELLER_KEYS}
    rendered_subject, text = render(subject, body, context)
    return {
        "language": language,
        "language_name": language_name(language, translation.get_language() or "fr"),
        "subject": rendered_subject,
        "text": text,
        "html": text_to_html(text),
    }


def previews(brand: Brand, kind: str, wording: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The letter `kind` in each of the brand's languages: the wording given for a
    language (the one being edited), else the brand's saved one, else Guichet's."""
    rows = []
    for language in brand.languages:
        if language in wording:
            subject, body = wording[language]
            source = _("this wording")
        else:
            saved = (
                LetterTemplate.objects.filter(brand=brand, kind=kind, language=language)
                .values_list("subject", "body")
                .first()
            )
            subject, body = saved or default_template(kind, language)
            source = _("the brand's wording") if saved else _("Guichet's default wording")
        rows.append({**preview_of(brand, kind, language, subject, body), "source": source})
    return rows


def _render_previews(rows: list[dict[str, Any]]) -> str:
    # text_to_html escapes the letter's text; the only tags it adds are <p> and <br>.
    return format_html_join(
        "",
        '<section class="letter-preview" lang="{}"><h3>{} <small>({})</small></h3>'
        "<p><strong>{}</strong></p><h4>{}</h4><pre>{}</pre><h4>{}</h4>"
        '<div class="letter-html">{}</div></section>',
        (
            (
                row["language"],
                row["language_name"],
                row["source"],
                row["subject"],
                _("Text"),
                row["text"],
                _("HTML"),
                mark_safe(row["html"]),  # noqa: S308
            )
            for row in rows
        ),
    )


def letter_brands(user: Any) -> QuerySet[Brand]:
    """The brands whose letters `user` may word."""
    brands = Brand.objects.all()
    if is_unrestricted(user):
        return brands
    return brands.filter(
        pk__in=[
            b.pk
            for b in Brand.objects.filter(pk__in=brand_ids(user))
            if can(user, Action.MANAGE_LETTERS, brand=b)
        ]
    )


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["brand", "kind", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 90})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        here = translation.get_language() or "fr"
        self.fields["brand"].label = capfirst(_("brand"))
        self.fields["language"] = forms.ChoiceField(
            label=capfirst(_("language")),
            choices=[(code, language_name(code, here)) for code, _name in settings.LANGUAGES],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        brand, language = data.get("brand"), data.get("language")
        if brand is not None and language and language not in brand.languages:
            self.add_error(
                "language",
                _("%(brand)s writes in: %(languages)s.")
                % {
                    "brand": brand.name,
                    "languages": ", ".join(
                        language_name(code, translation.get_language() or "fr")
                        for code in brand.languages
                    ),
                },
            )
        try:
            render(data.get("subject", ""), data.get("body", ""), _SYNTAX_SAMPLE)
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(
                _("The template has an error: %(error)s"), params={"error": exc}
            ) from exc
        return data


class LanguageFilter(admin.SimpleListFilter):
    title = _("language")
    parameter_name = "language"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        here = translation.get_language() or "fr"
        return [(code, language_name(code, here)) for code, _name in settings.LANGUAGES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(language=self.value()) if self.value() else queryset


class PreviewForm(LetterTemplateForm):
    """The form being edited, read for a preview: a wording that exists already (the one
    being changed) is no reason to refuse one."""

    def validate_unique(self) -> None:
        return None

    def validate_constraints(self) -> None:
        return None


# Values for the syntax check of a wording (any string does: the check is the template's).
_SYNTAX_SAMPLE = {"reference": "AB-26-00042"}


@admin.register(LetterTemplate)
class LetterTemplateAdmin(BrandScopedAdmin):
    """A brand's managers and administrators word its letters: the page shows the letter
    as the customer gets it (subject, text, HTML) in each of the brand's languages, and
    "Preview" shows an edit before it is saved."""

    view_action = Action.MANAGE_LETTERS
    change_action = Action.MANAGE_LETTERS
    add_action = Action.MANAGE_LETTERS
    delete_action = Action.MANAGE_LETTERS
    form = LetterTemplateForm
    list_display = ["kind", "language_label", "brand_name", "updated_at"]
    list_filter = ["brand", "kind", LanguageFilter]
    list_select_related = ["brand"]
    readonly_fields = ["preview", "default"]
    change_form_template = "admin/notify/lettertemplate/change_form.html"
    change_list_template = "admin/notify/lettertemplate/change_list.html"

    class Media:
        css = {"all": ["notify/letters-admin.css"]}

    @admin.display(description=_("brand"), ordering="brand__name")
    def brand_name(self, obj: LetterTemplate) -> str:
        return obj.brand.name

    @admin.display(description=_("language"), ordering="language")
    def language_label(self, obj: LetterTemplate) -> str:
        return language_name(obj.language, translation.get_language() or "fr")

    def get_list_filter(self, request: HttpRequest) -> Any:
        """No brand filter for a person who words the letters of one brand: it would only
        list brands that are not theirs."""
        filters = list(super().get_list_filter(request))
        if not is_unrestricted(request.user) and letter_brands(request.user).count() <= 1:
            filters.remove("brand")
        return filters

    @admin.display(description=_("preview (with sample values)"))
    def preview(self, obj: LetterTemplate) -> str:
        if not obj.pk:
            return "—"
        rows = previews(obj.brand, obj.kind, {obj.language: (obj.subject, obj.body)})
        return _render_previews(rows)

    @admin.display(description=_("Guichet's default wording"))
    def default(self, obj: LetterTemplate) -> str:
        if not obj.kind:
            return "—"
        subject, body = default_template(obj.kind, obj.language or "fr")
        return format_html("<strong>{}</strong><pre>{}</pre>", subject, body)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand":
            kwargs["queryset"] = letter_brands(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new wording starts from Guichet's (?kind=…&language=…), for the person's
        brand when they word the letters of one brand only."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        kind, language = request.GET.get("kind", ""), request.GET.get("language", "")
        if kind in LetterKind.values and language in dict(settings.LANGUAGES):
            initial["subject"], initial["body"] = default_template(kind, language)
        brands = list(letter_brands(request.user)[:2])
        if len(brands) == 1:
            initial.setdefault("brand", brands[0].pk)
        return initial

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """The list, and under it every letter Guichet writes, to start a wording from."""
        starts = [
            {
                "kind": label,
                "links": [
                    {
                        "name": language_name(code, translation.get_language() or "fr"),
                        "url": reverse("admin:notify_lettertemplate_add")
                        + f"?kind={kind}&language={code}",
                    }
                    for code, _name in settings.LANGUAGES
                ],
            }
            for kind, label in LetterKind.choices
        ]
        can_add = self.has_add_permission(request)
        return super().changelist_view(
            request, {**(extra_context or {}), "letter_starts": starts if can_add else []}
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="notify_lettertemplate_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The wording of the form being edited, as the customer would get it, unsaved
        (the form's "Preview" button posts here, to a new tab)."""
        if request.method != "POST":
            raise PermissionDenied
        form = PreviewForm(request.POST)
        form.fields["brand"].queryset = letter_brands(request.user)  # type: ignore[attr-defined]
        rows: list[dict[str, Any]] = []
        if form.is_valid():  # another brand's letters: "not a valid choice", no preview
            data = form.cleaned_data
            rows = previews(
                data["brand"], data["kind"], {data["language"]: (data["subject"], data["body"])}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview of a letter"),
            "opts": self.model._meta,
            "form": form,
            "previews": _render_previews(rows) if rows else "",
            "media": self.media,
        }
        return TemplateResponse(request, "admin/notify/lettertemplate/preview.html", context)

    def save_model(
        self, request: HttpRequest, obj: LetterTemplate, form: Any, change: bool
    ) -> None:
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(BrandScopedAdmin):
    view_action = Action.VIEW_TICKET
    list_display = [
        "created_at",
        "ticket",
        "to_address",
        "subject",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["brand", "status", "automatic"]
    search_fields = ["to_address", "subject", "ticket__reference"]
    list_select_related = ["ticket"]
    readonly_fields = [
        "brand",
        "ticket",
        "message",
        "to_name",
        "to_address",
        "subject",
        "text",
        "automatic",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "rfc_message_id",
        "seller",
        "created_at",
        "sent_at",
    ]
    exclude = ["html"]
