"""Letter templates (administrators word the brand's letters, with a preview) and the
outbox (read-only: what was sent to whom, and how it went)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template import TemplateSyntaxError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guichet.accounts.admin.scoping import BrandScopedAdmin
from guichet.accounts.permissions import Action
from guichet.lib import clock
from guichet.notify.letters import default_template, render
from guichet.notify.models import LetterTemplate, OutboundEmail

SAMPLE = {
    "reference": "EJ-26-00042",
    "customer_name": "Hélène Lefèvre",
    "brand_name": "Expérience Jamaïque",
    "subject": "Facture en double",
    "contact_type": "réclamation",
    "received": "23 novembre 2026 09:00",
    "process": "Votre demande est traitée par notre service de livraison.",
    "first_response_due": "24 novembre 2026 09:00",
    "answer_due": "30 novembre 2026 09:00",
    "level_name": "Niveau 2 – département concerné",
    "team_name": "Département galerie en ligne",
    "level_description": "Votre réclamation est examinée de façon complète et objective.",
    "next_due": "7 décembre 2026 09:00",
    "handler": "Camille",
    "previous_due": "30 novembre 2026 09:00",
    "new_due": "7 décembre 2026 09:00",
    "reason": "absence du personnel",
    "outcome": "partiellement retenue",
    "summary": "Nous vous remboursons la seconde facture.",
    "next_level": "Niveau 3 – Directeur Général",
    "ombudsman": "CPRST",
    "ombudsman_name": "Commission des plaintes relatives aux services de télécom-télévision",
    "ombudsman_short_name": "CPRST",
    "ombudsman_website": "https://www.ccts-cprst.ca",
    "ombudsman_phone": "1 888 221-1687",
    "tracking_url": "https://guichet.example/b/ej/track",
    "survey_url": "https://guichet.example/b/ej/survey/…",
    "question": "Êtes-vous satisfait de la manière dont votre demande a été traitée ?",
    "scale": "5",
    "expires": "7 décembre 2026 09:00",
}


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["brand", "kind", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 90})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            render(data.get("subject", ""), data.get("body", ""), SAMPLE)
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(
                _("The template has an error: %(error)s"), params={"error": exc}
            ) from exc
        return data


@admin.register(LetterTemplate)
class LetterTemplateAdmin(BrandScopedAdmin):
    view_action = Action.MANAGE_POLICY
    change_action = Action.MANAGE_POLICY
    add_action = Action.MANAGE_POLICY
    delete_action = Action.MANAGE_POLICY
    form = LetterTemplateForm
    list_display = ["kind", "language", "brand", "updated_at"]
    list_filter = ["brand", "kind", "language"]
    readonly_fields = ["preview", "default"]

    @admin.display(description=_("preview (with sample values)"))
    def preview(self, obj: LetterTemplate) -> str:
        if not obj.pk:
            return "—"
        subject, text = render(obj.subject, obj.body, SAMPLE)
        return format_html("<strong>{}</strong><pre>{}</pre>", subject, text)

    @admin.display(description=_("Guichet's default wording"))
    def default(self, obj: LetterTemplate) -> str:
        if not obj.kind:
            return "—"
        subject, body = default_template(obj.kind, obj.language or "fr")
        return format_html("<strong>{}</strong><pre>{}</pre>", subject, body)

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
        "created_at",
        "sent_at",
    ]
    exclude = ["html"]
