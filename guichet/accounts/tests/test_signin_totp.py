"""The second factor: setting up an authenticator (TOTP), the code after the password,
wrong codes throttled and locked out, administrators made to set one up before anything
else (the desk's pages and the admin), and sessions that owe a code sent to give it.

Codes are computed here from the device's key, as the phone would."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.models import User
from guichet.accounts.tests.test_signin import login_url, main, sign_in, signed_in
from guichet.accounts.views import PENDING_KEY

pytestmark = [pytest.mark.django_db, pytest.mark.urls("guichet.accounts.tests.test_signin")]


@pytest.fixture
def web() -> Client:
    return Client()


def code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the app shows now (`steps` periods later: a code is accepted once, so the
    next verification uses the next period's, which the tolerance of one step allows)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    near = {code(device, s) for s in range(-2, 4)}
    return next(c for c in ("123456", "654321", "111111") if c not in near)


def phone(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def verify_url(next_url: str = "/desk/") -> str:
    return f"{reverse('account:verify')}?next={next_url.replace('/', '%2F')}"


def enrol_url(next_url: str = "/desk/") -> str:
    return f"{reverse('account:enrol')}?next={next_url.replace('/', '%2F')}"


def verified(web: Client) -> bool:
    return "otp_device_id" in web.session


def unlock_throttle(device: TOTPDevice) -> None:
    """As if the wait django-otp imposes after wrong codes had passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )


# --- setting up -------------------------------------------------------------------------------


def test_staff_set_up_an_authenticator(web, world):
    sign_in(web, "agent")
    home = main(web.get(reverse("account:home")))
    assert reverse("account:enrol") in home
    page = web.get(reverse("account:enrol"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=world.agent)
    assert not device.confirmed
    # The secret three ways: a QR code drawn in SVG, the key in base32, an otpauth:// link.
    assert '<svg role="img"' in html and "<path " in html
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html)[1].replace(" ", "")
    assert device.config_url.replace("&amp;", "&") in html.replace("&amp;", "&")
    assert f"secret={secret}" in device.config_url and "issuer=Guichet" in device.config_url
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "<script" not in main(page) and "style=" not in main(page)
    # The same secret until it is confirmed.
    assert secret in web.get(reverse("account:enrol")).content.decode().replace(" ", "")
    assert TOTPDevice.objects.filter(user=world.agent).count() == 1

    refused = web.post(reverse("account:enrol"), {"code": wrong_code(device)})
    assert refused.status_code == 200 and 'class="errorlist"' in main(refused)
    unlock_throttle(device)
    done = web.post(reverse("account:enrol"), {"code": code(device)})
    assert done.status_code == 302 and done.url == reverse("account:home")
    device.refresh_from_db()
    assert device.confirmed and verified(web)
    assert web.get("/probe/").status_code == 200


def test_the_next_sign_in_asks_for_the_code(web, world):
    device = phone(world.agent)
    response = sign_in(web, "agent")
    assert response.status_code == 302 and response.url == verify_url()
    # The password alone signs nobody in.
    assert not signed_in(web)
    assert web.get("/probe/").url.startswith(login_url())
    page = web.get(response.url)
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    done = web.post(response.url, {"code": code(device), "next": "/desk/"})
    assert done.status_code == 302 and done.url == "/desk/"
    assert signed_in(web) and verified(web)
    assert web.get("/probe/").status_code == 200
    # The same code cannot be used twice.
    again = Client()
    sign_in(again, "agent")
    assert again.post(reverse("account:verify"), {"code": code(device)}).status_code == 200


def test_next_survives_the_code_and_stays_on_the_site(web, world):
    device = phone(world.agent)
    response = sign_in(web, "agent", next="/probe/?view=mine")
    done = web.post(response.url, {"code": code(device), "next": "/probe/?view=mine"})
    assert done.url == "/probe/?view=mine"
    other = Client()
    sign_in(other, "agent", next="//evil.com")
    done = other.post(reverse("account:verify"), {"code": code(device, 1), "next": "//evil.com"})
    assert done.url == "/desk/"


def test_wrong_codes_are_throttled(web, world):
    device = phone(world.agent)
    sign_in(web, "agent")
    wrong = web.post(reverse("account:verify"), {"code": wrong_code(device)})
    assert wrong.status_code == 200 and not signed_in(web)
    # Right away, even the right code waits (django-otp's back-off: 1 s, 2 s, 4 s…).
    waiting = web.post(reverse("account:verify"), {"code": code(device)})
    assert waiting.status_code == 200 and not signed_in(web)
    assert waiting.context["form"].errors != wrong.context["form"].errors  # "wait", not "wrong"
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    unlock_throttle(device)
    assert web.post(reverse("account:verify"), {"code": code(device)}).status_code == 302
    assert signed_in(web) and verified(web)


def test_five_wrong_codes_lock_out_like_five_wrong_passwords(web, world):
    device = phone(world.agent)
    sign_in(web, "agent")
    for _ in range(4):
        unlock_throttle(device)
        assert web.post(reverse("account:verify"), {"code": wrong_code(device)}).status_code == 200
    unlock_throttle(device)
    locked = web.post(reverse("account:verify"), {"code": wrong_code(device)})
    assert locked.status_code == 429
    # Half-way is forgotten, and the password is refused for the lockout's length.
    assert PENDING_KEY not in web.session
    assert web.get(reverse("account:verify")).url.startswith(login_url())
    assert sign_in(web, "agent").status_code == 429


def test_a_sign_in_left_half_way_expires(web, world):
    device = phone(world.agent)
    sign_in(web, "agent")
    session = web.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": session[PENDING_KEY]["at"] - 301}
    session.save()
    late = web.post(reverse("account:verify"), {"code": code(device)})
    assert late.status_code == 302 and late.url.startswith(login_url()) and not signed_in(web)


def test_a_password_change_meanwhile_cancels_a_half_way_sign_in(web, world):
    device = phone(world.agent)
    sign_in(web, "agent")
    world.agent.set_password("un autre mot de passe")
    world.agent.save()
    late = web.post(reverse("account:verify"), {"code": code(device)})
    assert late.url.startswith(login_url()) and not signed_in(web)


def test_cancelling_half_way_forgets_the_password_step(web, world):
    phone(world.agent)
    sign_in(web, "agent")
    web.post(reverse("account:logout"))
    assert web.get(reverse("account:verify")).url.startswith(login_url())


def test_a_session_that_owes_a_code_is_sent_to_give_it(web, world):
    """Signed in before an authenticator was added (here: force_login, no code)."""
    device = phone(world.agent)
    web.force_login(world.agent)
    response = web.get("/probe/")
    assert response.status_code == 302 and response.url == verify_url("/probe/")
    done = web.post(response.url, {"code": code(device), "next": "/probe/"})
    assert done.url == "/probe/" and web.get("/probe/").status_code == 200


def test_staff_may_turn_it_off(web, world):
    device = phone(world.agent)
    sign_in(web, "agent")
    web.post(reverse("account:verify"), {"code": code(device)})
    assert reverse("account:remove_device") in main(web.get(reverse("account:home")))
    assert web.get(reverse("account:remove_device")).status_code == 405
    assert web.post(reverse("account:remove_device")).url == reverse("account:home")
    assert not TOTPDevice.objects.filter(user=world.agent).exists()
    web.post(reverse("account:logout"))
    assert sign_in(web, "agent").url == "/desk/"


def test_moving_to_another_phone_replaces_the_old_one(web, world):
    old = phone(world.agent)
    sign_in(web, "agent")
    web.post(reverse("account:verify"), {"code": code(old)})
    web.get(reverse("account:enrol"))
    new = TOTPDevice.objects.get(user=world.agent, confirmed=False)
    assert web.post(reverse("account:enrol"), {"code": code(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=world.agent)) == [new]
    assert web.get("/probe/").status_code == 200  # still verified, by the new one


# --- administrators ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ejadmin", "root"])
def test_administrators_set_up_an_authenticator_before_anything_else(web, world, who):
    response = sign_in(web, who)
    assert response.status_code == 302 and response.url == enrol_url()
    # Every staff page, and the admin, lead back there.
    assert web.get("/probe/").url == enrol_url("/probe/")
    assert web.get(reverse("account:home")).url == enrol_url("/desk/account/")
    assert web.get(reverse("account:password_change")).url.startswith(reverse("account:enrol"))
    assert web.post(reverse("account:remove_device")).url.startswith(reverse("account:enrol"))
    to_login = web.get("/admin/")
    assert to_login.url == "/admin/login/?next=/admin/"
    assert web.get(to_login.url).url == enrol_url("/admin/")
    assert web.get("/admin/tickets/ticket/").status_code == 302
    # Set up, they are in.
    web.get(enrol_url("/admin/"))
    device = TOTPDevice.objects.get(user__username=who, confirmed=False)
    done = web.post(reverse("account:enrol"), {"code": code(device), "next": "/admin/"})
    assert done.url == "/admin/"
    assert web.get("/admin/").status_code == 200 and web.get("/probe/").status_code == 200
    # And the next time, the code is asked for.
    again = Client()
    assert sign_in(again, who).url == verify_url()


def test_administrators_cannot_turn_it_off(web, world):
    device = phone(world.admin)
    sign_in(web, "ejadmin")
    web.post(reverse("account:verify"), {"code": code(device)})
    assert "remove" not in main(web.get(reverse("account:home")))
    web.post(reverse("account:remove_device"))
    assert TOTPDevice.objects.filter(user=world.admin, confirmed=True).exists()


def test_the_admin_asks_an_unverified_session_for_the_code(web, world):
    device = phone(world.admin)
    web.force_login(world.admin)
    to_login = web.get("/admin/")
    assert web.get(to_login.url).url == verify_url("/admin/")
    web.post(reverse("account:verify"), {"code": code(device)})
    assert web.get("/admin/").status_code == 200


def test_the_project_client_passes_the_second_factor_for_other_tests(client, world):
    """guichet/conftest.py's client: force_login as if the code had been given."""
    client.force_login(world.admin)
    assert client.get("/admin/").status_code == 200
    client.force_login(world.agent)  # optional for staff: nothing owed, nothing added
    assert client.get("/probe/").status_code == 200
    assert not TOTPDevice.objects.filter(user=world.agent).exists()
