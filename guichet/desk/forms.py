"""The desk's forms: they parse and validate what a person typed; the services decide.

Choices come from the brand's policy (contact types, categories, levels, identity check
methods) and from the people of the brand, never from another brand."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import NotificationEmail
from guichet.accounts.permissions import StaffAccess
from guichet.conduct.detect import Severity
from guichet.conduct.models import Authority
from guichet.desk.queries import SORTS, FilterChoices
from guichet.lib.forms import MultipleFileField
from guichet.lib.html import html_to_text, sanitize_reply, text_to_html
from guichet.lib.names import zone_name
from guichet.marketplace.models import SellerStatus
from guichet.tickets.choices import (
    Complexity,
    ContactType,
    Direction,
    Outcome,
    Priority,
    Status,
)
from guichet.tickets.models import Message, MoneyKind, Ticket

ANY = [("", _("All"))]


class FilterForm(forms.Form):
    """The list filters (GET): only those that can narrow the view for this person
    (`queries.FilterChoices`), then the order. Invalid values are dropped, never an
    error page."""

    LABELS: dict[str, Any] = {
        "brand": _("Brand"),
        "team": _("Team"),
        "status": _("Status"),
        "priority": _("Priority"),
        "contact_type": _("Type"),
        "category": _("Category"),
        "channel": _("Channel"),
        "level": _("Level"),
        "seller": _("Seller"),
    }
    # Filters whose values are numbers (ids, levels).
    NUMBERS = {"brand", "team", "level", "seller"}

    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Outside the filters' box, next to the list's title (`form` attribute).
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        widget=forms.Select(attrs={"form": "filters", "data-autosubmit": ""}),
    )

    def __init__(
        self, desk: StaffAccess, view: str, *args: Any, options: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = (options or FilterChoices(desk)).for_view(view)
        chosen: dict[str, forms.Field] = {}
        for name, label in self.LABELS.items():
            if name not in choices:
                continue
            if name in self.NUMBERS:
                chosen[name] = forms.TypedChoiceField(
                    label=label, required=False, coerce=int, empty_value=None
                )
            else:
                chosen[name] = forms.ChoiceField(label=label, required=False)
            chosen[name].choices = ANY + choices[name]  # type: ignore[attr-defined]
        self.fields = {**chosen, **self.fields}
        self.fields["sort"].choices = list(SORTS.items())  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The valid filters; a field with a bad value counts as not given."""
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "")
        }

    def filter_fields(self) -> list[Any]:
        """The filters' fields (the order apart)."""
        return [field for field in self if field.name != "sort"]

    def chips(self) -> list[tuple[str, str, str]]:
        """The filters in force, as (name, label, value as a person reads it)."""
        found = []
        for name, value in self.values().items():
            if name == "sort":
                continue
            field = self.fields[name]
            if isinstance(value, date):
                shown = formats.date_format(value, "SHORT_DATE_FORMAT")
            else:
                shown = str(dict(getattr(field, "choices", ())).get(value, value))
            found.append((name, str(field.label), shown))
        return found


class SavedViewForm(forms.Form):
    """Save the list as it is filtered and sorted (its query string) under a name."""

    name = forms.CharField(label=_("Name of the view"), max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class RenameViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=60)


# --- the ticket page ------------------------------------------------------------------------------


class TextField(forms.CharField):
    """A text typed in a browser, with its line ends as the rest of the system writes them
    (browsers post "\r\n")."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace("\r\n", "\n").replace("\r", "\n")


class ReplyForm(forms.Form):
    """A reply: formatted (`html`, from the page's editor) or plain (`text`, the page
    without JavaScript). A formatted reply is kept to the reply allow-list
    (`lib.html.sanitize_reply`) and its text part derived from it, links written out, so
    the email carries both; what the browser sent as text is then ignored."""

    text = TextField(label=_("Reply to the customer"), widget=forms.Textarea, required=False)
    html = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    status_after = forms.ChoiceField(
        label=_("Then"),
        choices=[
            (Status.OPEN, _("Keep open")),
            (Status.WAITING_CUSTOMER, _("Wait for the customer")),
            (Status.WAITING_THIRD_PARTY, _("Wait for a third party")),
        ],
        initial=Status.OPEN,
    )
    full_answer = forms.BooleanField(label=_("This is the full written answer"), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    confirm_stale = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        return formatted_text(self, super().clean() or {})

    def draft_html(self) -> str:
        return draft_html(self)


def formatted_text(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    """A form's `html` kept to the allow-list and its `text` derived from it; or the plain
    `text` alone (the page without JavaScript), required."""
    html, text = formatted(data.get("html", ""))
    if text:
        data["html"], data["text"] = html, text
    else:
        data["html"] = ""
        if not data.get("text", "").strip():
            form.add_error("text", forms.Field.default_error_messages["required"])
    return data


def draft_html(form: forms.Form) -> str:
    """What an editor shows: the formatted draft, else the plain one as paragraphs."""
    html = form["html"].value() or ""
    return formatted(html)[0] if html else text_to_html(form["text"].value() or "")


def formatted(html: str) -> tuple[str, str]:
    """A formatted text kept to the reply allow-list, and its text part; ("", "") when it
    says nothing."""
    clean = sanitize_reply(html)
    text = html_to_text(clean, links=True) if clean else ""
    return (clean, text) if text else ("", "")


def with_canned(text: str, html: str, addition: str) -> dict[str, str]:
    """The editor's draft with a filled canned reply (plain text) after it: as a
    formatted draft if it was one, else as text."""
    clean, _plain = formatted(html)
    if clean:
        html = clean + text_to_html(addition)
        return {"html": html, "text": formatted(html)[1]}
    text = text.rstrip()
    return {"html": "", "text": f"{text}\n\n{addition}".strip() if text else addition}


class NoteForm(forms.Form):
    text = TextField(label=_("Internal note (staff only)"), widget=forms.Textarea)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput)


class FieldsForm(forms.Form):
    """The ticket's properties, saved together: its status, classification and — for
    those who may hand tickets to others (`people` given) — who handles it and the team."""

    contact_type = forms.ChoiceField(label=_("Type"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    complexity = forms.ChoiceField(label=_("Complexity"), choices=Complexity.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s, label) for s, label in Status.choices if s not in (Status.CLOSED, Status.NEW)],
        required=False,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)
    # The order of the panel: what changes most first.
    ORDER = ["status", "priority", "assignee", "team", "category", "contact_type", "complexity"]
    WIDE = {"assignee", "team", "category"}  # long names: a whole line each

    def __init__(
        self, ticket: Ticket, people: tuple[list[Any], list[Any]] | None, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        policy = ticket.brand.get_policy()
        language = get_language() or policy.default_language
        if people is not None:
            staff, teams = people
            self.fields["assignee"] = forms.TypedChoiceField(
                label=_("Assignee"),
                coerce=int,
                empty_value=None,
                required=False,
                choices=[("", _("Nobody"))]
                + [(u.pk, u.get_full_name() or u.username) for u in staff],
            )
            self.fields["team"] = forms.TypedChoiceField(
                label=_("Team"),
                coerce=int,
                empty_value=None,
                required=False,
                choices=[("", "—")] + [(t.pk, t.display_name(language)) for t in teams],
            )
        self.order_fields(self.ORDER)
        offered = {rule.type for rule in policy.contact_types}
        self.fields["contact_type"].choices = [  # type: ignore[attr-defined]
            (key, label) for key, label in ContactType.choices if key in offered
        ]
        self.fields["category"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.key, policy.text(c.name, language)) for c in policy.categories
        ]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), coerce=int, empty_value=None, required=False
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, staff: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [  # type: ignore[attr-defined]
            (u.pk, u.get_full_name() or u.username) for u in staff
        ]


class LevelForm(forms.Form):
    """Escalate to the next level, or return to a lower one, with a reason."""

    to_level = forms.TypedChoiceField(label=_("To level"), coerce=int)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, ticket: Ticket, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = ticket.brand.get_policy()
        language = get_language() or policy.default_language
        self.fields["to_level"].choices = [  # type: ignore[attr-defined]
            (n, f"{n} — {policy.text(level.name, language)}")
            for n, level in enumerate(policy.levels, start=1)
            if n != ticket.level
        ]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    summary = forms.CharField(
        label=_("What was decided (for the customer)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, ticket: Ticket | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", "—"), *Outcome.choices]  # type: ignore[attr-defined]
        # A complaint about a team member ends with written conclusions sent to the
        # customer (AB-3): the outcome and the conclusions are required.
        self.about_agent = bool(ticket is not None and ticket.about_agent)
        if self.about_agent:
            self.fields["outcome"].required = True
            self.fields["summary"].required = True
            self.fields["summary"].label = _("Your written conclusions (sent to the customer)")
            self.fields["summary"].widget.attrs["rows"] = 6

    def clean_summary(self) -> str:
        summary = str(self.cleaned_data.get("summary") or "").strip()
        if self.about_agent and not summary:
            raise forms.ValidationError(
                _("A complaint about a team member ends with written conclusions for the customer.")
            )
        return summary


class FlagForm(forms.Form):
    """Flag a message as abusive by hand (its confirmation: the procedure's next step)."""

    reason = forms.CharField(label=_("Why is this abusive?"), max_length=2000)
    severity = forms.TypedChoiceField(label=_("Severity"), coerce=int)
    message = forms.TypedChoiceField(
        label=_("Which message (optional)"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, ticket: Ticket, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [  # type: ignore[attr-defined]
            (int(s), s.label) for s in Severity
        ]
        self.fields["severity"].initial = int(Severity.INSULT)
        theirs = Message.objects.filter(
            ticket=ticket, direction=Direction.INBOUND, is_internal=False, author_user__isnull=True
        ).order_by("-created_at", "-pk")[:30]
        choices: list[tuple[Any, Any]] = [("", _("The conversation as a whole"))]
        for m in theirs:
            when = formats.date_format(m.created_at, "SHORT_DATETIME_FORMAT")
            choices.append((m.pk, f"{when} — {' '.join(m.text.split())[:60]}"))
        self.fields["message"].choices = choices  # type: ignore[attr-defined]


class DecideFlagForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "confirm"), ("dismiss", "dismiss")])
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000)


class BlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Why block the customer?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why lift the block?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferForm(forms.Form):
    authority = forms.ChoiceField(label=_("Referred to"), choices=Authority.choices)
    note = forms.CharField(
        label=_("Note on the referral"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConcernedForm(forms.Form):
    """ "This complaint is about…": one of the brand's staff (not the person asking)."""

    agent = forms.TypedChoiceField(label=_("This complaint is about"), coerce=int)

    def __init__(self, staff: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [  # type: ignore[attr-defined]
            (u.pk, u.get_full_name() or u.username) for u in staff
        ]


class RetypeForm(forms.Form):
    """The contact type, corrected in one click from what the intake read."""

    contact_type = forms.ChoiceField(choices=ContactType.choices)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class IdentityForm(forms.Form):
    method = forms.ChoiceField(label=_("How was the identity checked?"))
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, ticket: Ticket, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = ticket.brand.get_policy().validation.identity_check
        methods = rule.methods if rule else []
        self.fields["method"].choices = [  # type: ignore[attr-defined]
            (m, m.replace("_", " ")) for m in methods
        ]


class OrderForm(forms.Form):
    reference = forms.CharField(label=_("Order or product reference"), max_length=100)

    def __init__(self, ticket: Ticket, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = ticket.brand.get_policy()
        rule = policy.validation.order_reference
        if rule is not None:
            language = get_language() or policy.default_language
            self.fields["reference"].label = policy.text(rule.label, language)
            if rule.example:
                self.fields["reference"].widget.attrs["placeholder"] = rule.example


class OtherTicketForm(forms.Form):
    """Link or merge: the other ticket's reference."""

    reference = forms.CharField(label=_("Other ticket's reference"), max_length=20)
    reason = forms.CharField(label=_("Reason"), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SplitForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject of the new ticket"), required=False)


class ThankForm(forms.Form):
    text = TextField(label=_("Thank-you message"), widget=forms.Textarea(attrs={"rows": 4}))


# --- the seller's side, returns and money ---------------------------------------------------------


class PassOnForm(forms.Form):
    """A seller's answer passed on to the customer: a reply the agent writes (the seller's
    words quoted as they choose), in the reply editor."""

    text = TextField(label=_("Reply to the customer"), widget=forms.Textarea, required=False)
    html = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    passes_on = forms.IntegerField(widget=forms.HiddenInput)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    confirm_stale = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        return formatted_text(self, super().clean() or {})

    def draft_html(self) -> str:
        return draft_html(self)


class SellerWriteForm(forms.Form):
    """A message to the seller: formatted or plain as a reply, with files, and the
    customer's messages the seller may now see (`share`, their ids)."""

    text = TextField(label=_("Message to the seller"), widget=forms.Textarea, required=False)
    html = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    share = forms.TypedMultipleChoiceField(
        label=_("Show the seller these messages of the customer"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, shareable: list[Any], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "seller-%s")  # beside the reply's and the note's fields
        super().__init__(*args, **kwargs)
        self.fields["share"].choices = [  # type: ignore[attr-defined]
            (m.pk, str(m.pk)) for m in shareable if m.shared_with_seller_at is None
        ]

    def clean(self) -> dict[str, Any]:
        return formatted_text(self, super().clean() or {})

    def draft_html(self) -> str:
        return draft_html(self)


class StrikeForm(forms.Form):
    note = forms.CharField(
        label=_("What did the seller refuse?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReleaseDecideForm(forms.Form):
    """Release the seller's details to the customer who asked, or refuse with a reason."""

    release = forms.IntegerField(widget=forms.HiddenInput)
    give = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Why not?"), required=False, max_length=2000)


class ReturnForm(forms.Form):
    """What is known of the item: received by the customer, came back, or no return
    needed. A day is counted from its start in the brand's time zone; today, from now."""

    item_received_on = forms.DateField(
        label=_("The customer received the item on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    item_returned_on = forms.DateField(
        label=_("The item came back on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    waived = forms.BooleanField(label=_("No return needed"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "return-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("waived") and data.get("item_returned_on"):
            raise forms.ValidationError(
                _("Either the item came back, or no return is needed: not both.")
            )
        return data


class PaymentForm(forms.Form):
    """A refund or a credit. The amount is checked by the service (a decimal of at most two
    places, more than zero, not absurd): it is never read as a float here."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MoneyKind.choices)
    amount = forms.CharField(label=_("Amount"), max_length=24)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    reason = forms.CharField(
        label=_("What is it for?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "payment-%s")
        super().__init__(*args, **kwargs)


class SellerStatusForm(forms.Form):
    """A manager's decision on a seller: the statuses it may move to from its own."""

    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    MOVES = {
        SellerStatus.ACTIVE: [SellerStatus.RESTRICTED, SellerStatus.TERMINATED],
        SellerStatus.RESTRICTED: [SellerStatus.ACTIVE, SellerStatus.TERMINATED],
        SellerStatus.TERMINATED: [SellerStatus.ACTIVE],
    }
    # What each move is called: restrict, reinstate (back to active), terminate.
    WORDS = {
        SellerStatus.ACTIVE: _("Reinstate (active)"),
        SellerStatus.RESTRICTED: _("Restrict"),
        SellerStatus.TERMINATED: _("Terminate"),
    }

    def __init__(self, current: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        moves = self.MOVES.get(SellerStatus(current), [])
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (status.value, self.WORDS[status]) for status in moves
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why withdraw it?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# Time zones offered besides the person's brands' and their own: those of the presets'
# countries and the usual neighbours.
COMMON_ZONES = [
    "UTC",
    "Europe/Paris",
    "Europe/London",
    "Europe/Brussels",
    "America/Jamaica",
    "America/Martinique",
    "America/Montreal",
    "America/New_York",
    "Africa/Abidjan",
    "Africa/Casablanca",
    "Africa/Dakar",
    "Indian/Reunion",
]


class PreferencesForm(forms.Form):
    """How a person wants their notifications by email, in which language, and in which
    time zone (of the desk's dates and of the digest's hour)."""

    notification_email = forms.ChoiceField(
        label=_("Notifications by email"),
        choices=NotificationEmail.choices,
        widget=forms.RadioSelect,
        help_text=_("Threats are always emailed at once, whatever you choose."),
    )
    digest_hour = forms.TypedChoiceField(
        label=_("Hour of the daily digest"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        widget=forms.Select(attrs={"aria-describedby": "hour-help"}),
    )
    language = forms.ChoiceField(
        label=_("Language of my notifications and emails"),
        choices=[("fr", "Français"), ("en", "English")],
        widget=forms.RadioSelect,
    )
    time_zone = forms.ChoiceField(label=_("My time zone"), required=False)

    def __init__(self, desk: StaffAccess, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = (get_language() or "fr")[:2]
        brand_zones = sorted({b.timezone for b in desk.brands if b.timezone})
        zones = set(COMMON_ZONES) | set(brand_zones)
        if desk.user.time_zone:
            zones.add(desk.user.time_zone)
        default = (
            _("My brand's: %(zone)s") % {"zone": zone_name(brand_zones[0], language)}
            if len(brand_zones) == 1
            else _("My brand's")
        )
        named = sorted((zone_name(z, language), z) for z in zones if _is_zone(z))
        field: Any = self.fields["time_zone"]
        field.choices = [("", default)] + [(z, name) for name, z in named]


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
