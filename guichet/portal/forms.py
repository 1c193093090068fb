"""The portal's forms. The contact form is built from the brand's policy: its contact
types, categories, languages and order-reference rule."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guichet.contacts.services import clean_name
from guichet.intake.consent import consent_text
from guichet.lib.forms import MultipleFileField
from guichet.lib.french import elide
from guichet.lib.names import autonym
from guichet.policies.schema import Policy
from guichet.tickets.choices import ContactType
from guichet.tickets.uploads import ACCEPT

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
MESSAGE_MAX = 20_000


def one_line(value: str) -> str:
    """No line breaks or control characters (what could smuggle a header into an email)."""
    return " ".join(_CONTROL.sub(" ", value).split())


class HoneypotMixin(forms.Form):
    # Hidden from people (by the stylesheet, and from screen readers); robots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


def privacy_link(policy: Policy, brand_name: str, language: str) -> str:
    """A link to the brand's privacy policy (`[brand] privacy_policy_url`), or "". It opens
    as any link does, in the same tab; `noopener` as for every page of another site."""
    address = policy.privacy_policy_url(language)
    if not address:
        return ""
    text = str(_("Read the privacy policy of %(brand)s") % {"brand": brand_name})
    text = elide(text, brand_name) if language == "fr" else text
    return format_html('<a href="{}" rel="noopener">{}</a>', address, text)


class ContactForm(HoneypotMixin):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email address"), max_length=254)
    contact_type = forms.ChoiceField(label=_("What is it about?"))
    category = forms.ChoiceField(label=_("Topic"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )
    order_reference = forms.CharField(required=False, max_length=100)
    # Where the brand has a topic for complaints about its staff (AB-3).
    staff_member = forms.CharField(
        label=_("Is your complaint about a member of our team? Their name (optional)"),
        required=False,
        max_length=200,
        help_text=_(
            "Your complaint will be examined by someone else than this person, who will not see it."
        ),
    )
    attachments = MultipleFileField(accept=ACCEPT, label=_("Files (optional)"))
    language = forms.ChoiceField(label=_("Language for our answers"))
    consent = forms.BooleanField(required=True)

    field_order = [
        "name",
        "email",
        "contact_type",
        "category",
        "order_reference",
        "staff_member",
        "subject",
        "message",
        "attachments",
        "language",
        "consent",
        "website",
    ]

    def __init__(self, *args: Any, policy: Policy, brand_name: str, language: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.policy = policy
        labels = dict(ContactType.choices)
        fields: dict[str, Any] = self.fields
        fields["contact_type"].choices = [
            (rule.type, policy.text(rule.label, language) or labels[rule.type])
            for rule in policy.contact_types
        ]
        fields["category"].choices = [("", _("I don't know"))] + [
            (c.key, policy.text(c.name, language)) for c in policy.categories
        ]
        # Each language in its own name: a reader finds theirs whatever the page's language.
        fields["language"].choices = [(code, autonym(code)) for code in policy.brand.languages]
        self.fields["language"].initial = (
            language if language in policy.brand.languages else policy.default_language
        )
        if not any(category.about_staff for category in policy.categories):
            del self.fields["staff_member"]
        rule = policy.validation.order_reference
        if rule is None:
            del self.fields["order_reference"]
        else:
            field = self.fields["order_reference"]
            field.label = policy.text(rule.label, language)
            if rule.example:
                field.help_text = _("For example: %(example)s") % {"example": rule.example}
        self.fields["consent"].label = consent_text(policy, brand_name, language)
        self.fields["consent"].help_text = privacy_link(policy, brand_name, language)

    def clean_name(self) -> str:
        return clean_name(self.cleaned_data["name"])

    def clean_staff_member(self) -> str:
        return clean_name(self.cleaned_data.get("staff_member") or "")

    def clean_subject(self) -> str:
        subject = one_line(self.cleaned_data["subject"])
        if not subject:
            raise forms.ValidationError(_("A subject is required."))
        return subject

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        rule = self.policy.validation.order_reference
        if rule is not None:
            reference = (data.get("order_reference") or "").strip()
            data["order_reference"] = reference
            if reference and not re.fullmatch(rule.pattern, reference):
                self.add_error(
                    "order_reference",
                    _("This does not look like a valid reference (for example: %(example)s).")
                    % {"example": rule.example or "—"},
                )
            elif not reference and data.get("category") in rule.required_for_categories:
                self.add_error("order_reference", _("This topic needs the reference."))
        return data


class TrackForm(HoneypotMixin):
    reference = forms.CharField(label=_("Reference of your request"), max_length=20)
    email = forms.CharField(label=_("Your email address"), max_length=254)

    def __init__(self, *args: Any, brand: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example = f"{brand.reference_prefix}-26-00042"
        self.fields["reference"].help_text = _("For example: %(example)s") % {"example": example}


class ReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    attachments = MultipleFileField(accept=ACCEPT, label=_("Files (optional)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(forms.Form):
    """A score on the policy's scale (1 is the worst) and an optional comment."""

    score = forms.TypedChoiceField(
        label=_("Your score"), coerce=int, widget=forms.RadioSelect, choices=[]
    )
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, scale: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["score"]
        field.choices = [(n, str(n)) for n in range(1, scale + 1)]
        field.help_text = _("1: not satisfied at all — %(scale)s: very satisfied") % {
            "scale": scale
        }


class SurveyFollowUpForm(forms.Form):
    choice = forms.ChoiceField(choices=[("escalate", "escalate"), ("reopen", "reopen")])
    reason = forms.CharField(
        label=_("Why?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DataRightsForm(forms.Form):
    right = forms.ChoiceField(
        label=_("I ask you to"),
        widget=forms.RadioSelect,
        choices=[
            ("rectification", _("correct my personal data")),
            ("erasure", _("erase my personal data")),
        ],
    )
    details = forms.CharField(
        label=_("Details (what to correct, what to erase)"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("right") == "rectification" and not (data.get("details") or "").strip():
            self.add_error("details", _("Tell us what to correct."))
        return data
