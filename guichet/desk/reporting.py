"""What the desk's reports pages show (docs/reports.md): the brands whose reports the
person may see, the dashboard's filters (a GET form that gives a `reports.scope.Scope`),
the figures' cells with their links to the tickets behind them, and those criteria in
words on the list of tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand, Team
from guichet.lib.errors import InvalidRequest
from guichet.reports import figures
from guichet.reports.figures import Figure
from guichet.reports.scope import FILTERS, Scope
from guichet.sla.models import DeadlineKind
from guichet.tickets.choices import Channel, ContactType, Outcome, Priority, Verb

# --- whose reports -------------------------------------------------------------------------


def report_brands(desk: StaffAccess) -> list[Brand]:
    """The person's brands whose reports they may see (Action.VIEW_REPORTS)."""
    return [brand for brand in desk.brands if desk.can(Action.VIEW_REPORTS, brand)]


class NoSuchBrand(Exception):
    """The `brand` asked for is not one whose reports the person may see."""


def chosen_brand(brands: list[Brand], value: str | None) -> Brand | None:
    """The brand a request names (`?brand=<id>`) among `brands`; the one brand when there
    is one and none is named; None when the person has several and named none.
    NoSuchBrand for another brand (or none at all), InvalidRequest for a malformed id."""
    if not brands:
        raise NoSuchBrand
    if not value:
        return brands[0] if len(brands) == 1 else None
    try:
        pk = int(value)
    except ValueError as error:
        raise InvalidRequest(_("The brand is not a number."), code="brand") from error
    found = next((brand for brand in brands if brand.pk == pk), None)
    if found is None:
        raise NoSuchBrand
    return found


# --- the filters ---------------------------------------------------------------------------

PERIODS = [
    ("month", gettext_lazy("This month")),
    ("30d", gettext_lazy("Last 30 days")),
    ("quarter", gettext_lazy("This quarter")),
    ("year", gettext_lazy("This year")),
    ("12m", gettext_lazy("Last 12 months")),
    ("chosen", gettext_lazy("A chosen month")),
    ("custom", gettext_lazy("Chosen dates")),
]


class MonthInput(forms.TextInput):
    input_type = "month"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ReportFilters(forms.Form):
    """The dashboard's filters: the period (a preset, a chosen month, or chosen first and
    last days) and the scope's filters, each a choice of the brand's policy."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        max_length=7,
        widget=MonthInput(attrs={"placeholder": "2026-11"}),
    )

    def __init__(self, brand: Brand, data: Any) -> None:
        super().__init__(data)
        self.brand = brand
        policy = brand.get_policy()
        language = get_language() or "fr"
        # "from" and "to" are words of the query string (?from=2026-11-01&to=2026-11-15),
        # both days included; they are no Python names, so they are added here.
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d"]
        )
        self.fields["to"] = forms.DateField(
            label=_("To (included)"), required=False, widget=DateInput(), input_formats=["%Y-%m-%d"]
        )
        anything = [("", _("All"))]
        teams = sorted(
            ((str(t.pk), t.display_name(language)) for t in Team.objects.filter(brand=brand)),
            key=lambda choice: choice[1].lower(),
        )
        kinds = {channel.kind for channel in policy.channels} | {Channel.API}
        self.fields["team"] = forms.ChoiceField(
            label=_("Team"), required=False, choices=anything + teams
        )
        self.fields["channel"] = forms.ChoiceField(
            label=_("Channel"),
            required=False,
            choices=anything + [(k, str(label)) for k, label in Channel.choices if k in kinds],
        )
        self.fields["category"] = forms.ChoiceField(
            label=_("Category"),
            required=False,
            choices=anything + [(c.key, policy.text(c.name, language)) for c in policy.categories],
        )
        self.fields["contact_type"] = forms.ChoiceField(
            label=_("Nature"),
            required=False,
            choices=anything
            + [(rule.type, contact_type_label(rule.type)) for rule in policy.contact_types],
        )
        self.fields["level"] = forms.ChoiceField(
            label=_("Level"),
            required=False,
            choices=anything
            + [
                (str(n), f"{n} — {policy.text(level.name, language)}")
                for n, level in enumerate(policy.levels, start=1)
            ],
        )

    @property
    def period_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("period", "month", "from", "to")]

    @property
    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FILTERS]

    def clean_month(self) -> str:
        value = self.cleaned_data.get("month") or ""
        if value:
            try:
                year, number = (int(part) for part in value.split("-"))
                date(year, number, 1)
            except ValueError as error:
                raise forms.ValidationError(_("A month is written 2026-11.")) from error
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        period = data.get("period") or "month"
        if period == "chosen" and not data.get("month"):
            self.add_error("month", _("Choose the month."))
        if period == "custom":
            if not data.get("from"):
                self.add_error("from", _("Choose the first day."))
            if not data.get("to"):
                self.add_error("to", _("Choose the last day."))
            if data.get("from") and data.get("to") and data["to"] < data["from"]:
                self.add_error("to", _("The last day comes before the first."))
        return data

    def scope_params(self) -> dict[str, str]:
        """The valid form as `Scope.from_params` reads it."""
        data = self.cleaned_data
        period = data.get("period") or "month"
        params: dict[str, str] = {}
        if period == "chosen":
            params["month"] = data["month"]
        elif period == "custom":
            params["start"] = data["from"].isoformat()
            params["end"] = (data["to"] + timedelta(days=1)).isoformat()
        else:
            params["period"] = period
        for name in FILTERS:
            if data.get(name):
                params[name] = str(data[name])
        return params

    def scope(self) -> Scope | None:
        """The scope the valid form names; None, with the form's error, for a period the
        scope refuses (over five years)."""
        try:
            return Scope.from_params(self.brand, self.scope_params())
        except InvalidRequest:
            self.add_error(None, _("Choose a period of five years at most."))
            return None


def filters_for(scope: Scope) -> dict[str, str]:
    """The dashboard's query string that gives this scope back (a chosen month, or the
    first and last days), for the link back from a list of tickets."""
    params: dict[str, str] = {"brand": str(scope.brand.pk)}
    if scope.is_month():
        params.update(period="chosen", month=scope.start.strftime("%Y-%m"))
    else:
        params.update(period="custom", **{"from": scope.start.isoformat()})
        params["to"] = scope.last_day().isoformat()
    for name in FILTERS:
        value = getattr(scope, name)
        if value not in (None, ""):
            params[name] = str(value)
    return params


def period_words(scope: Scope) -> str:
    """ "1 – 30 November 2026", "November 2026"."""
    if scope.is_month():
        return formats.date_format(scope.start, "YEAR_MONTH_FORMAT")
    last = scope.last_day()
    if last == scope.start:
        return formats.date_format(scope.start, "DATE_FORMAT")
    return f"{formats.date_format(scope.start, 'DATE_FORMAT')} – {formats.date_format(last, 'DATE_FORMAT')}"


# --- the figures with their links ----------------------------------------------------------


def tickets_url(scope: Scope, link: dict[str, str]) -> str:
    """The list of the tickets behind a number: the scope's parameters and the link's."""
    params = {"brand": str(scope.brand.pk), **scope.params(), **link}
    return f"{reverse('desk:report_tickets')}?{urlencode(params)}"


@dataclass
class Shown:
    """A figure's cell as the page shows it."""

    text: str
    url: str = ""
    status: str = ""
    # A number (right-aligned, kept on one line), rather than words.
    numeric: bool = False
    # The goal's status is written once a row, on its first cell that has one.
    status_label: str = ""


def shown_headers(figure: Figure, rows: list[list[Shown]]) -> list[tuple[str, bool]]:
    """The figure's column headers, each with whether its column holds numbers."""
    return [
        (header, any(len(row) > i and row[i].numeric for row in rows))
        for i, header in enumerate(figure.headers)
    ]


def shown_rows(scope: Scope, figure: Figure) -> list[list[Shown]]:
    found = []
    for row in figure.rows:
        said = False
        cells = []
        for cell in row:
            label = ""
            if cell.status and not said:
                label = _("goal met") if cell.status == "met" else _("goal missed")
                said = True
            url = tickets_url(scope, cell.link) if cell.link is not None else ""
            numeric = cell.value is not None or cell.link is not None
            cells.append(Shown(cell.text, url, cell.status, numeric=numeric, status_label=label))
        found.append(cells)
    return found


# --- the criteria of a list of tickets, in words -------------------------------------------


def contact_type_label(key: str) -> str:
    try:
        return str(ContactType(key).label)
    except ValueError:
        return key


def _choice(choices: Any, key: str) -> str:
    try:
        return str(choices(key).label)
    except ValueError:
        return key


def criteria(scope: Scope, params: Any) -> list[tuple[str, str]]:
    """What a list of tickets is narrowed to besides its period, as (what, value) pairs:
    the scope's filters and the link's own (`figures.behind` reads the same names)."""
    get = params.get
    language = get_language() or "fr"
    found: list[tuple[str, str]] = []
    if scope.team is not None:
        team = Team.objects.filter(brand=scope.brand, pk=scope.team).first()
        found.append((_("Team"), team.display_name(language) if team else str(scope.team)))
    for name, label, choices in (
        ("channel", _("Channel"), Channel),
        ("contact_type", _("Nature"), ContactType),
    ):
        value = get(name) or getattr(scope, name)
        if value:
            found.append((label, _("(none)") if value == "-" else _choice(choices, value)))
    category = get("category") or scope.category
    if category:
        shown = _("(none)") if category == "-" else figures.category_label(scope, category)
        found.append((_("Category"), shown))
    if scope.level is not None:
        found.append((_("Went through"), figures.level_label(scope, scope.level)))
    if get("priority"):
        found.append((_("Priority"), _choice(Priority, get("priority"))))
    if get("complexity"):
        found.append((_("Complexity"), str(get("complexity"))))
    flags = {
        "open": _("still open"),
        "responded": _("answered by a person"),
        "resolved": _("resolved"),
        "first_contact": _("resolved at first contact"),
        "returning": _("from a returning customer"),
    }
    for name, words in flags.items():
        if get(name):
            found.append((_("Tickets"), str(words)))
    for name in ("resolution_s_max", "resolution_bd_s_max"):
        if get(name) and str(get(name)).isdigit():
            seconds = int(get(name))
            found.append((_("Resolved within"), _duration_or_days(seconds, name)))
    if get("score"):
        found.append((_("Satisfaction score"), str(get("score"))))
    if get("at_level") and str(get("at_level")).isdigit():
        level = figures.level_label(scope, int(get("at_level")))
        if get("still"):
            level = _("%(level)s, still there") % {"level": level}
        elif get("closed_here"):
            level = _("%(level)s, closed there") % {"level": level}
        found.append((_("At"), level))
    if get("level_outcome"):
        found.append((_("Outcome there"), _choice(Outcome, get("level_outcome"))))
    if get("trigger") == "time":
        found.append((_("Escalated"), _("by time")))
    elif get("escalated"):
        found.append((_("Escalated"), _("to this level")))
    if get("deadline"):
        found.append((_("Deadline"), _deadline(scope, get("deadline"), get("deadline_level"))))
        if get("late") in ("0", "1"):
            found.append((_("Timing"), _("late") if get("late") == "1" else _("on time")))
    if get("tally"):
        labels = {verb.value: str(verb.label) for verb in Verb}
        what = labels.get(get("tally"), get("tally"))
        found.append((_("Counted"), f"{what} — {get('detail')}" if get("detail") else what))
    if get("chat"):
        found.extend(_chat_criteria(scope, params))
    if get("age"):
        try:
            found.append((_("Open now, received"), figures.age_label(get("age"))))
        except KeyError:
            found.append((_("Open now, received"), str(get("age"))))
    return found


def _chat_criteria(scope: Scope, params: Any) -> list[tuple[str, str]]:
    """A list of the tickets of live chats (`reports.chat_figures`), in words. An agent
    is named if they are of the brand (the query string may say any number)."""
    get = params.get
    kinds = {
        "offered": _("offered"),
        "answered": _("answered by an agent"),
        "answered_ended": _("answered by an agent, then ended"),
        "abandoned": _("abandoned before an agent answered"),
        "unanswered": _("ended otherwise before an answer"),
        "waiting": _("still waiting"),
        "transferred": _("transferred"),
        "rated": _("rated by the customer"),
    }
    found = [(_("Live chats"), str(kinds.get(get("chat"), get("chat"))))]
    agents = {
        name: str(get(name))
        for name in ("chat_agent", "chat_rated_agent")
        if get(name) and str(get(name)).isdigit() and len(str(get(name))) < 10
    }
    names = {
        str(user.pk): user.get_full_name() or user.username
        for user in User.objects.filter(
            pk__in=[int(pk) for pk in agents.values()], memberships__brand=scope.brand
        )
    }
    if "chat_agent" in agents:
        found.append((_("Answered by"), names.get(agents["chat_agent"], agents["chat_agent"])))
    if "chat_rated_agent" in agents:
        pk = agents["chat_rated_agent"]
        found.append((_("Rating about"), names.get(pk, pk)))
    if get("chat_score"):
        found.append((_("Rating"), str(get("chat_score"))))
    return found


def _duration_or_days(seconds: int, name: str) -> str:
    if name == "resolution_bd_s_max" and seconds % 86400 == 0:
        return _("%(n)s business days") % {"n": seconds // 86400}
    return figures.duration(seconds)


def _deadline(scope: Scope, rule: str, level: str | None) -> str:
    policy = scope.policy
    found = dict(policy.deadline_rules).get(rule)
    name = rule
    if found is not None:
        name = (
            policy.text(found.label, get_language() or "fr")
            if found.label
            else f"{_choice(DeadlineKind, found.kind)} ({found.target})"
        )
    if level and str(level).isdigit() and int(level):
        return f"{name} · {figures.level_label(scope, int(level))}"
    return name
