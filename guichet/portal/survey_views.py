"""The satisfaction survey's pages (CL-1): the link a closing emails, its answer, and the
follow-up a "not satisfied" answer offers (the next level or reopening). They are portal
pages like those of views.py and share its page machinery."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.brands.models import Brand
from guichet.lib import ratelimit
from guichet.lib.errors import InvalidRequest
from guichet.portal import surveys
from guichet.portal.forms import SurveyFollowUpForm, SurveyForm
from guichet.portal.models import SurveyAnswer, SurveyLink
from guichet.portal.views import (
    _language,
    _no_referrer,
    _problem,
    _render,
    _too_many,
    portal_page,
)

# The survey link whose "not satisfied" answer this browser gave: only it may then take
# the request further (a copy of the link elsewhere cannot).
SURVEY_GRANT = "portal_survey_follow_up"


def _survey_gone(request: HttpRequest, brand: Brand) -> HttpResponse:
    return _no_referrer(
        _problem(
            request,
            brand,
            _("This link does not work"),
            _(
                "A survey link works once, until the date its email gives. Thank you all "
                "the same: you can still write to us."
            ),
            404,
        )
    )


def _survey_page(
    request: HttpRequest,
    brand: Brand,
    link: SurveyLink,
    token: str,
    *,
    form: SurveyForm | None = None,
    follow_up_form: SurveyFollowUpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = brand.get_policy()
    language = _language(brand)
    ticket = link.ticket
    answer = SurveyAnswer.objects.filter(link=link).first()
    granted = request.session.get(SURVEY_GRANT) == link.pk
    follow_ups = surveys.survey_follow_ups(link) if granted else []
    level_final = ticket.level >= policy.final_level
    context = {
        "token": token,
        "ticket": ticket,
        "question": policy.text(policy.survey.question, language),
        "answer": answer,
        "form": form or SurveyForm(scale=policy.survey.scale),
        "follow_ups": follow_ups,
        "follow_up_form": follow_up_form
        or SurveyFollowUpForm(
            auto_id="follow-%s", initial={"reason": answer.comment if answer else ""}
        ),
        "next_level_name": (
            policy.text(policy.level_at(ticket.level + 1).name, language)
            if "escalate" in follow_ups
            else ""
        ),
        "escalate_label": policy.text(policy.escalation.request_label, language),
        "ombudsman": policy.ombudsman
        if granted
        and answer
        and answer.score <= policy.survey.not_satisfied_at_most
        and level_final
        else None,
        "ombudsman_name": policy.text(policy.ombudsman.name, language) if policy.ombudsman else "",
    }
    return _no_referrer(_render(request, brand, "portal/survey.html", context, status))


@require_http_methods(["GET", "POST"])
@portal_page
def survey(request: HttpRequest, brand: Brand, token: str) -> HttpResponseBase:
    """The survey link: the GET shows the question (mail scanners may fetch it: nothing is
    used); the POST answers, once."""
    if not ratelimit.hit("signin_ip", f"{brand.pk}:{ratelimit.client_address(request)}"):
        return _too_many(request, brand)  # the budget of the pages links open
    link = surveys.survey_link_peek(brand=brand, token=token)
    if link is None:
        return _survey_gone(request, brand)
    if request.method != "POST" or link.answered_at is not None:
        return _survey_page(request, brand, link, token)
    form = SurveyForm(request.POST, scale=brand.get_policy().survey.scale)
    if not form.is_valid():
        return _survey_page(request, brand, link, token, form=form, status=400)
    try:
        surveys.survey_answer(
            brand=brand,
            token=token,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except InvalidRequest as refused:
        form.add_error(None, str(refused))
        return _survey_page(request, brand, link, token, form=form, status=400)
    request.session[SURVEY_GRANT] = link.pk
    return _no_referrer(redirect("portal:survey", brand=brand.slug, token=token))


@require_POST
@portal_page
def survey_follow_up(request: HttpRequest, brand: Brand, token: str) -> HttpResponseBase:
    """After a "not satisfied" answer, from the browser that gave it: the next level or
    reopening, with a reason, once."""
    if not ratelimit.hit("signin_ip", f"{brand.pk}:{ratelimit.client_address(request)}"):
        return _too_many(request, brand)
    link = surveys.survey_link_peek(brand=brand, token=token)
    if link is None or request.session.get(SURVEY_GRANT) != link.pk:
        return _survey_gone(request, brand)
    form = SurveyFollowUpForm(request.POST, auto_id="follow-%s")
    if not form.is_valid():
        return _survey_page(request, brand, link, token, follow_up_form=form, status=400)
    choice = form.cleaned_data["choice"]
    try:
        surveys.survey_follow_up(
            brand=brand, token=token, choice=choice, reason=form.cleaned_data["reason"]
        )
    except InvalidRequest as refused:
        form.add_error(None, str(refused))
        return _survey_page(request, brand, link, token, follow_up_form=form, status=400)
    del request.session[SURVEY_GRANT]
    if choice == "escalate":
        messages.success(request, _("Your request has moved to the next level."))
    else:
        messages.success(request, _("Your request is reopened: we will come back to you."))
    return _no_referrer(redirect("portal:survey", brand=brand.slug, token=token))
