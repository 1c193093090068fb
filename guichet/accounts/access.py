"""Who may open a staff page: the one check of the desk, the account pages and the admin.

Staff are active users with an active role in an active brand, and superusers (see
`is_staff_member`). After the password, a person with a confirmed authenticator (TOTP
device) must also give a code in this session, and so must every administrator (an
`admin` role in any brand, or a superuser); an administrator without an authenticator
sets one up before anything else. `step_needed` says what is still missing; the
`staff_required` decorator, `StaffRequiredMixin` and `StaffAdminSite` answer it the same
way: sign in, a 403 page, give a code, or set up an authenticator.

django-otp's `OTPMiddleware` marks the session's user as verified (`user.is_verified()`)
once `django_otp.login` has stored the device that accepted a code.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, Concatenate
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.models import Role, User
from guichet.accounts.permissions import brand_ids, is_unrestricted, role_in


def signed_in(request: HttpRequest) -> User:
    """The person signed in on a staff page (behind `staff_required` or the admin's own
    check): the actor of what they do there."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def is_staff_member(user: Any) -> bool:
    """An active user with an active role in an active brand, or a superuser."""
    return is_unrestricted(user) or bool(brand_ids(user))


def is_administrator(user: Any) -> bool:
    """Administrators must use a second factor: an `admin` role anywhere, or a superuser."""
    return is_unrestricted(user) or any(role_in(user, b) == Role.ADMIN for b in brand_ids(user))


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The person's confirmed authenticator, if they have set one up."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def needs_second_factor(user: Any) -> bool:
    return is_administrator(user) or confirmed_device(user) is not None


def is_verified(user: Any) -> bool:
    """Whether a code was given in this session: the device that accepted it, put on the
    user by django-otp's middleware (or by `django_otp.login` during this request)."""
    return getattr(user, "otp_device", None) is not None


class Step(StrEnum):
    SIGN_IN = "sign_in"
    FORBIDDEN = "forbidden"
    VERIFY = "verify"
    ENROL = "enrol"


def step_needed(request: HttpRequest, *, enrolling: bool = False) -> Step | None:
    """What the request still lacks to open a staff page, or None.

    `enrolling` is for the page where an administrator sets up their first authenticator:
    it is the only staff page open to them before they have one."""
    user = request.user
    if not user.is_authenticated:
        return Step.SIGN_IN
    if not is_staff_member(user):
        return Step.FORBIDDEN
    if is_verified(user):
        return None
    if confirmed_device(user) is not None:
        return Step.VERIFY
    if is_administrator(user) and not enrolling:
        return Step.ENROL
    return None


def safe_next(request: HttpRequest, candidate: str | None, default: str | None = None) -> str:
    """`candidate` if it stays on this site (H39: `//evil.com`, `https://evil.com` and
    `/\\evil.com` do not), else `default` (the desk's home)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def _page_url(request: HttpRequest) -> str:
    """Where to come back to after signing in: the page asked for, or — for an htmx
    fragment (HX-Current-URL) or a form posted from a page (Referer) — that page, since
    the fragment or the POST-only address cannot be opened on its own."""
    if request.headers.get("HX-Request") == "true":
        around = request.headers.get("HX-Current-URL", "")
    elif request.method not in ("GET", "HEAD"):
        around = request.headers.get("Referer", "")
    else:
        return request.get_full_path()
    if around and url_has_allowed_host_and_scheme(
        around, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(around)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def forbidden(request: HttpRequest) -> HttpResponse:
    """Signed in, but not staff (or not allowed in the admin): a page that says so."""
    return TemplateResponse(request, "accounts/forbidden.html", status=403).render()


def answer(request: HttpRequest, step: Step, next_url: str) -> HttpResponse:
    """The response that leads the person to `step`, then back to `next_url`."""
    if step is Step.FORBIDDEN:
        return forbidden(request)
    if step is Step.SIGN_IN:
        response: HttpResponseRedirect = redirect_to_login(
            next_url, resolve_url(settings.LOGIN_URL)
        )
    elif step is Step.VERIFY:
        response = HttpResponseRedirect(with_next(reverse("account:verify"), next_url))
    else:
        response = HttpResponseRedirect(with_next(reverse("account:enrol"), next_url))
    if request.headers.get("HX-Request") == "true":
        # A redirect would swap the sign-in page into a fragment: load it as the whole page.
        return HttpResponseClientRedirect(response.url)
    return response


def staff_required[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """For every staff page: anonymous → the sign-in page (with ?next=); signed in but
    not staff → 403; a code still owed → the code page (or, for an administrator
    without an authenticator, setting one up)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        step = step_needed(request)
        if step is not None:
            return answer(request, step, _page_url(request))
        return view(request, *args, **kwargs)

    return guarded


class StaffRequiredMixin:
    """`staff_required` for class-based views (put it first among the bases)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        step = step_needed(request)
        if step is not None:
            return answer(request, step, _page_url(request))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class StaffAdminSite(AdminSite):
    """The admin under the same rule as the desk. Its own sign-in form is not used:
    /admin/login/ sends to the staff sign-in (lockout, second factor) and back.
    `guichet/accounts/admin.py` makes the default site one of these. It carries
    Guichet's name, not Django's."""

    site_header = _("Guichet administration")
    site_title = _("Guichet administration")
    index_title = _("Brands, people, policies and letters")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and step_needed(request) is None

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        next_url = safe_next(
            request,
            request.GET.get(REDIRECT_FIELD_NAME),
            reverse("admin:index", current_app=self.name),
        )
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        step = step_needed(request)
        if step is None:
            # Signed in and verified staff, but the admin is not theirs (is_staff off).
            return forbidden(request)
        return answer(request, step, next_url)
