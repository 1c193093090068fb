"""What a customer agrees to when they write through one of the brand's own forms (the
contact form, the chat's): the policy's words, or a wording naming the brand and how long
it keeps a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from guichet.lib.french import elide

if TYPE_CHECKING:
    from guichet.policies.schema import Policy


def consent_text(policy: Policy, brand_name: str, language: str) -> str:
    """What the customer agrees to: the policy's own text (`[intake] consent`) in the
    page's language, or a wording that names the brand and its retention period (policy
    `[retention]`)."""
    if policy.intake.consent is not None:
        return policy.text(policy.intake.consent, language)
    years = max(1, round(policy.retention.closed_tickets.as_timedelta().days / 365))
    text = str(
        _(
            "I agree that %(brand)s keeps what I send in this form to handle my request, "
            "for up to %(years)s years after it is closed, and may contact me about it."
        )
        % {"brand": brand_name, "years": years}
    )
    return elide(text, brand_name) if language == "fr" else text
