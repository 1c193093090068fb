"""The forms of the callbacks page (`calls_views`): a callback done or attempted, and given
to someone else. They parse; `telephony.services` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.telephony.models import CallOutcome

# "" : done without calling (the customer was reached some other way).
DONE_OUTCOMES = [
    (CallOutcome.ANSWERED, _("Called: the customer answered")),
    (CallOutcome.NO_ANSWER, _("Called: no answer")),
    (CallOutcome.VOICEMAIL, _("Called: left a voicemail")),
    (CallOutcome.BUSY, _("Called: busy")),
    ("", _("Done without a call (say how)")),
]


class CallbackDoneForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What happened?"), choices=DONE_OUTCOMES, required=False)
    minutes = forms.IntegerField(
        label=_("Length (minutes)"), required=False, min_value=0, max_value=24 * 60
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, prefix_id: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"done{prefix_id}-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("outcome") and not str(data.get("note") or "").strip():
            self.add_error("note", _("Say how the customer was reached."))
        return data


class CallbackAssignForm(forms.Form):
    """To whom: "me", "team:<id>" or "user:<id>" (the choices offered to this person)."""

    to = forms.ChoiceField(label=_("Give it to"))

    def __init__(
        self, choices: list[tuple[str, str]], *args: Any, prefix_id: str = "", **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", f"assign{prefix_id}-%s")
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices  # type: ignore[attr-defined]
