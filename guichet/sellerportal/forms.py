"""The seller portal's forms: the address a link is sent to, and the answer on a dispute
(text, files, and the resolution the seller proposes, if any)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.brands.models import Brand
from guichet.lib.errors import InvalidRequest
from guichet.lib.forms import MultipleFileField
from guichet.marketplace.models import ProposalKind
from guichet.tickets.services import check_money
from guichet.tickets.uploads import ACCEPT

MESSAGE_MAX = 20_000


class SignInForm(forms.Form):
    email = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Hidden from people (by the stylesheet, and from screen readers); robots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=_("Your answer"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    attachments = MultipleFileField(
        accept=ACCEPT,
        label=_("Evidence: files (optional)"),
        help_text=_("Invoices, proof of delivery, photos: PDF, images, text or office files."),
    )
    proposal = forms.ChoiceField(
        label=_("Do you propose a resolution?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("", _("No proposal for now")), *ProposalKind.choices],
    )
    amount = forms.CharField(
        label=_("Amount of the refund (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 3}),
    )
    reason = forms.CharField(
        label=_("Reason or details of the proposal"),
        help_text=_("Required for a refusal."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["message", "attachments", "proposal", "amount", "currency", "reason"]

    def __init__(self, *args: Any, brand: Brand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.brand = brand
        currency = brand.get_policy().brand.currency or ""
        self.fields["currency"].initial = currency
        self.fields["currency"].help_text = _("Three letters, such as MAD or EUR.")

    def clean(self) -> dict[str, Any]:
        """The proposal checked as the service will check it, before any file is stored:
        a refusal needs its reason, an amount must be an amount."""
        data: dict[str, Any] = super().clean() or {}
        proposal = data.get("proposal") or ""
        data["reason"] = (data.get("reason") or "").strip()
        amount = (data.get("amount") or "").strip()
        currency = (data.get("currency") or "").strip().upper()
        if proposal == ProposalKind.REFUSAL and not data["reason"]:
            self.add_error("reason", _("Say why you refuse."))
        if proposal != ProposalKind.REFUND:
            amount = ""  # an amount goes with a refund only
        if amount:
            try:
                value, currency = check_money(self.brand, amount, currency)
            except InvalidRequest as refused:
                self.add_error("currency" if refused.code == "currency" else "amount", str(refused))
            else:
                amount = str(value)
        data["amount"], data["currency"] = amount, currency
        return data
