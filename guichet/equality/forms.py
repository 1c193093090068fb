"""The equality form a customer is offered (built from the policy's questions, each with
"Prefer not to say", chosen by default) and the filters of the managers' page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.policies.schema import EQUALITY_DECLINED, Policy


def field_name(question_key: str) -> str:
    return f"q-{question_key}"


class EqualityForm(forms.Form):
    """One choice per question of the policy, in its order; nothing is required (a
    question left out counts as "prefer not to say")."""

    def __init__(self, *args: Any, policy: Policy, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = policy.reports.equality_questions
        for question in self.questions:
            choices = [(o.key, policy.text(o.label, language)) for o in question.options]
            choices.append((EQUALITY_DECLINED, str(_("Prefer not to say"))))
            self.fields[field_name(question.key)] = forms.ChoiceField(
                label=policy.text(question.question, language),
                choices=choices,
                initial=EQUALITY_DECLINED,
                required=False,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        """question key -> option key (call after is_valid)."""
        return {
            q.key: self.cleaned_data.get(field_name(q.key)) or EQUALITY_DECLINED
            for q in self.questions
        }


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    """A month as `<input type="month">` sends it ("2026-11"), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        found = _MONTH.match(text)
        if not found or not 2000 <= int(found[1]) <= 2100 or not 1 <= int(found[2]) <= 12:
            raise forms.ValidationError(_("Give a month such as 2026-11."))
        return date(int(found[1]), int(found[2]), 1)

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class EqualityFilterForm(forms.Form):
    """The managers' page: the brand (of those they may see) and the months. No other
    filter: each would be one more figure to subtract from another (disclosure.py)."""

    brand = forms.ChoiceField(label=_("Brand"), required=False)
    first = MonthField(label=_("First month"), required=False)
    last = MonthField(label=_("Last month"), required=False)

    def __init__(self, *args: Any, brands: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        brand_field: Any = self.fields["brand"]
        brand_field.choices = brands

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and first > last:
            self.add_error("last", _("The last month is before the first."))
        return data
