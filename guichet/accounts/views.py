"""Staff sign-in, the second factor and "my account", at /desk/account/.

1. `login`: username and password (Django's AuthenticationForm). django-axes counts the
   failures per username and IP address and locks the pair out (`locked_out`, 429). A
   person with a confirmed authenticator is not signed in yet: the session only remembers,
   for a few minutes, who gave the right password, and the code page follows.
2. `verify`: the code of the authenticator (django-otp's TOTPDevice, which throttles
   guesses itself); every wrong code also counts as a failed sign-in for axes. Then the
   person is signed in and the session verified.
3. An administrator without an authenticator is signed in and sent to `enrol`, and
   `staff_required` keeps every other staff page (and the admin) closed until they have
   one.

Changing the password keeps this session and signs the others out (Django's session hash).
Signing out is a POST.
"""

from __future__ import annotations

from base64 import b32encode
from math import ceil
from typing import Any, cast

import django_otp
import qrcode
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from guichet.accounts.access import (
    Step,
    answer,
    confirmed_device,
    is_administrator,
    is_verified,
    safe_next,
    staff_required,
    step_needed,
    with_next,
)
from guichet.accounts.forms import CodeForm
from guichet.accounts.models import Membership, User

# Who gave the right password and still owes a code, and for how long that holds.
PENDING_KEY = "guichet_signin_pending"
PENDING_SECONDS = 5 * 60


def _me(request: HttpRequest) -> User:
    """The signed-in person (in a view behind `staff_required`, or once authenticated)."""
    return cast("User", request.user)


def _next(request: HttpRequest, default: str | None = None) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), default)


def _onwards(request: HttpRequest, next_url: str) -> HttpResponse:
    """After a step of signing in: the step still missing, if any, else `next_url`."""
    step = step_needed(request)
    if step in (Step.VERIFY, Step.ENROL):
        return answer(request, step, next_url)
    return redirect(next_url)


# --- Signing in -------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    already_in = request.user.is_authenticated and step_needed(request) is not Step.FORBIDDEN
    if request.method != "POST" and already_in:
        return _onwards(request, next_url)
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = form.get_user()
        if request.user.is_authenticated:
            auth_logout(request)  # whoever was signed in here, start afresh
        if confirmed_device(user) is not None:
            _pending_start(request, user)
            return redirect(with_next(reverse("account:verify"), next_url))
        auth_login(request, user)
        return _onwards(request, next_url)
    if getattr(request, "axes_locked_out", False):
        return locked_out(request)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _pending_start(request: HttpRequest, user: User) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,  # set by authenticate()
        "hash": user.get_session_auth_hash(),  # a password change meanwhile cancels it
        "at": timezone.now().timestamp(),  # Django's time, as the session's and axes'
    }


def _pending_user(request: HttpRequest) -> User | None:
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    user = None
    if timezone.now().timestamp() - data["at"] <= PENDING_SECONDS:
        user = User.objects.filter(pk=data["user"], is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data["hash"]):
        del request.session[PENDING_KEY]
        return None
    user.backend = data["backend"]
    return user


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The code after the password — or, for a session signed in before its person set up
    an authenticator, the code that session still owes."""
    next_url = _next(request)
    pending = not request.user.is_authenticated
    user = _pending_user(request) if pending else _me(request)
    if user is None:
        return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))
    if is_verified(user):
        return redirect(next_url)
    device = confirmed_device(user)
    if device is None:  # removed since the password was given: no code to ask for
        if pending:
            _finish_sign_in(request, user)
        return _onwards(request, next_url)

    credentials = get_credentials(user.get_username())
    if not AxesProxyHandler.is_allowed(request, credentials):
        return _lock_out(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        allowed, _info = device.verify_is_allowed()
        accepted = allowed and django_otp.verify_token(
            user, device.persistent_id, form.cleaned_data["code"]
        )
        if accepted:
            if pending:
                _finish_sign_in(request, user)
            django_otp.login(request, accepted)
            return _onwards(request, next_url)
        form.add_error("code", _("This code is not valid.") if allowed else _throttled())
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _lock_out(request)
    return render(
        request, "accounts/verify.html", {"form": form, "next": next_url, "pending": pending}
    )


def _throttled() -> str:
    return _("Too many wrong codes in a row: wait a few seconds, then try again.")


def _finish_sign_in(request: HttpRequest, user: User) -> None:
    del request.session[PENDING_KEY]
    auth_login(request, user, backend=user.backend)


def _lock_out(request: HttpRequest) -> HttpResponse:
    """Too many wrong codes: whatever was signed in or half-way is signed out."""
    auth_logout(request)
    return locked_out(request)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): one page, the
    same whether the username exists or not, with status 429."""
    cool_off = get_cool_off(request)
    minutes = ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


@require_POST
@csrf_protect
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You are signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- My account -------------------------------------------------------------------------------


@never_cache
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    memberships = (
        Membership.objects.filter(user_id=user.pk, is_active=True, brand__is_active=True)
        .select_related("brand")
        .order_by("brand__name")
    )
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": memberships,
            "device": confirmed_device(user),
            "administrator": is_administrator(user),
        },
    )


@sensitive_post_parameters()
@never_cache
@staff_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(_me(request), request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = form.save()
        # This session stays signed in; every other one no longer matches the password's
        # hash and is signed out at its next request.
        update_session_auth_hash(request, user)
        messages.success(
            request, _("Your password is changed. Your other sessions are signed out.")
        )
        return redirect("account:home")
    return render(request, "accounts/password_change.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
def enrol(request: HttpRequest) -> HttpResponseBase:
    """Set up an authenticator: a new unconfirmed device, shown as a QR code, a secret
    and an otpauth:// link, confirmed by a current code. Confirming replaces any device
    the person had. The one staff page an administrator without one may open."""
    step = step_needed(request, enrolling=True)
    if step is not None:
        return answer(request, step, request.get_full_path())
    user = request.user
    next_url = _next(request, reverse("account:home"))
    device = _unconfirmed_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        allowed, _info = device.verify_is_allowed()
        accepted = allowed and django_otp.verify_token(
            user, device.persistent_id, form.cleaned_data["code"]
        )
        if accepted:
            _confirm(accepted)
            django_otp.login(request, accepted)
            messages.success(request, _("Two-step verification is on."))
            return redirect(next_url)
        form.add_error("code", _("This code is not valid.") if allowed else _throttled())
    uri = device.config_url
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "next": next_url,
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "uri": uri,
            "qr": _qr_svg(uri),
            "replacing": confirmed_device(user) is not None,
            "required": is_administrator(user),
        },
    )


@require_POST
@staff_required
def remove_device(request: HttpRequest) -> HttpResponse:
    if is_administrator(request.user):
        messages.error(
            request,
            _(
                "Administrators keep two-step verification. To change phones, set up "
                "the new one: it replaces the old."
            ),
        )
    else:
        TOTPDevice.objects.filter(user_id=request.user.pk).delete()
        messages.success(request, _("Two-step verification is off."))
    return redirect("account:home")


def _unconfirmed_device(user: Any) -> TOTPDevice:
    """The device being set up: the same secret on every visit until it is confirmed."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user_id=user.pk, name="totp", confirmed=False)
    return device


def _confirm(device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_svg(uri: str) -> SafeString:
    """The otpauth:// link as an inline SVG QR code (no image library, no inline style)."""
    svg = qrcode.make(uri, image_factory=SvgPathImage).to_string(encoding="unicode")
    label = format_html(
        '<svg role="img" aria-label="{}" ', _("QR code to scan with your authenticator app")
    )
    # Built here from our own URI: qrcode writes only the SVG element and path data.
    return mark_safe(svg.replace("<svg ", label, 1))  # noqa: S308
