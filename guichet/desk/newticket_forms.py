"""The form of a new ticket recorded in the desk (`newticket_views`): the customer (found,
or new), the request as the brand's policy offers it (channel, type, category), and — on
the phone — the call and the callback; for a letter, its scan. It parses what the agent
typed; `telephony.services.request_record` decides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.brands.models import Brand
from guichet.desk.forms import TextField
from guichet.lib import clock
from guichet.lib.forms import MultipleFileField
from guichet.lib.names import autonym
from guichet.telephony.models import CallDirection, CallOutcome
from guichet.telephony.services import desk_channels
from guichet.tickets.choices import Channel, ContactType
from guichet.tickets.uploads import ACCEPT

NEW = "new"
# What a datetime-local field sends and shows (minutes; the viewer's time zone).
LOCAL = "%Y-%m-%dT%H:%M"
CALL_OUTCOMES = [
    CallOutcome.ANSWERED,
    CallOutcome.MISSED,
    CallOutcome.VOICEMAIL,
    CallOutcome.NO_ANSWER,
    CallOutcome.BUSY,
]


def local_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL)


def local_now() -> str:
    """Now, as a datetime-local field shows it in the viewer's time zone."""
    return timezone.localtime(clock.now()).strftime(LOCAL)


class NewTicketForm(forms.Form):
    # The customer: a record's id, or "new" with the fields below.
    contact = forms.CharField(required=False, max_length=20)
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    email = forms.CharField(label=_("Email address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    language = forms.ChoiceField(label=_("Language"), required=False)
    blocked_confirmed = forms.BooleanField(
        label=_("I know: record this request all the same (nothing will be sent to them)"),
        required=False,
    )

    channel = forms.ChoiceField(label=_("Channel"), widget=forms.RadioSelect)
    contact_type = forms.ChoiceField(label=_("Type"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    text = TextField(
        label=_("What the customer said or wrote (a summary)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=100_000,
    )
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        widget=local_input(),
        help_text=_("The start of the call, the day the letter arrived. Empty: now."),
    )

    call_direction = forms.ChoiceField(
        label=_("Who called?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (CallDirection.INBOUND, _("The customer called us")),
            (CallDirection.OUTBOUND, _("We called the customer")),
        ],
        initial=CallDirection.INBOUND,
    )
    call_outcome = forms.ChoiceField(
        label=_("How did it go?"),
        required=False,
        choices=[(value, CallOutcome(value).label) for value in CALL_OUTCOMES],
        initial=CallOutcome.ANSWERED,
    )
    call_minutes = forms.IntegerField(
        label=_("Length (minutes)"), required=False, min_value=0, max_value=24 * 60
    )
    call_number = forms.CharField(label=_("Their number"), required=False, max_length=40)
    # A call the telephone system reported, put on the ticket (its id).
    call = forms.IntegerField(required=False, widget=forms.HiddenInput)

    callback_wanted = forms.BooleanField(label=_("Call the customer back"), required=False)
    callback_due = forms.DateTimeField(label=_("By"), required=False, widget=local_input())
    callback_to = forms.ChoiceField(
        label=_("Who calls back?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("me", _("Me")), ("team", _("The ticket's team"))],
        initial="me",
    )
    callback_note = forms.CharField(
        label=_("Note for the callback"), required=False, max_length=2000
    )

    attachments = MultipleFileField(
        label=_("The scanned letter, documents"),
        accept=ACCEPT,
        help_text=_("Kept with the ticket as attachments, never shown in the page."),
    )

    def __init__(self, brand: Brand, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.brand = brand
        policy = brand.get_policy()
        language = get_language() or policy.default_language
        labels = dict(Channel.choices)
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            (channel, labels[channel]) for channel in desk_channels(brand)
        ]
        offered = {rule.type for rule in policy.contact_types}
        self.fields["contact_type"].choices = [  # type: ignore[attr-defined]
            (key, label) for key, label in ContactType.choices if key in offered
        ]
        self.fields["category"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.key, policy.text(c.name, language)) for c in policy.categories
        ]
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            (code, autonym(code)) for code in brand.languages
        ]

    def clean_contact(self) -> str:
        value = str(self.cleaned_data.get("contact") or "").strip()
        if value != NEW and not value.isdigit():
            raise forms.ValidationError(_("Find the customer, or give a new customer's details."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("contact") == NEW and not str(data.get("name") or "").strip():
            self.add_error("name", _("Give the customer's name."))
        phone_call = data.get("channel") == Channel.PHONE and not data.get("call")
        if phone_call:
            for name in ("call_direction", "call_outcome"):
                if not data.get(name):
                    self.add_error(name, forms.Field.default_error_messages["required"])
        if data.get("callback_wanted") and data.get("callback_to") not in ("me", "team"):
            data["callback_to"] = "me"
        return data

    def contact_id(self) -> int | None:
        value = self.cleaned_data.get("contact")
        return int(value) if value and value != NEW else None

    def received(self) -> datetime | None:
        return self.cleaned_data.get("received_at")
