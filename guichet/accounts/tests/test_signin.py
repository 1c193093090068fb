"""Staff sign-in with a password: landing, ?next=, no user enumeration, lockout after five
failures, CSRF, signing out by POST only, password change revoking other sessions, and
the `staff_required` rule (a tiny view mounted on top of the real URLs).

These tests use Django's own test client (`web`), not the project's `client` whose
force_login passes the second factor: here signing in is what is tested."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import path, reverse
from django.views import View

import guichet.urls
from guichet.accounts.access import StaffRequiredMixin, staff_required
from guichet.accounts.models import Membership, Role, User
from guichet.brands.models import Brand
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PASSWORD = "pw"  # make_staff's


@staff_required
def probe(request: HttpRequest) -> JsonResponse:
    """A staff page: the references of the tickets the request's brand scope shows."""
    return JsonResponse({"tickets": sorted(Ticket.objects.values_list("reference", flat=True))})


class ProbeView(StaffRequiredMixin, View):
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"ok": True})


urlpatterns = [
    path("probe/", probe),
    path("probe-cbv/", ProbeView.as_view()),
    *guichet.urls.urlpatterns,
]


# --- helpers, also used by test_signin_totp.py ------------------------------------------------


@pytest.fixture
def web() -> Client:
    return Client()


def login_url() -> str:
    return reverse("account:login")


def sign_in(web: Client, username: str, password: str = PASSWORD, **extra: str):
    return web.post(login_url(), {"username": username, "password": password, **extra})


def main(response) -> str:
    """The page's <main>, where the answer is, without its per-request CSRF token."""
    html = response.content.decode()
    html = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def signed_in(web: Client) -> bool:
    return "_auth_user_id" in web.session


# --- signing in -------------------------------------------------------------------------------


def test_the_sign_in_page_is_a_labelled_form(web):
    page = web.get(login_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert "csrfmiddlewaretoken" in html


def test_staff_sign_in_and_land_on_the_desk(web, world):
    response = sign_in(web, "agent")
    assert response.status_code == 302 and response.url == reverse("desk:home")
    assert web.get("/probe/").status_code == 200


def test_next_is_honoured_when_it_stays_on_the_site(web, world):
    response = sign_in(web, "agent", next="/probe/?view=mine")
    assert response.status_code == 302 and response.url == "/probe/?view=mine"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "///evil.com",
        "http://evil.com/desk/",
        "https://testserver.evil.com/",
        "javascript:alert(1)",
    ],
)
def test_next_off_the_site_is_ignored(web, world, target):
    page = web.get(login_url(), {"next": target})
    assert target not in page.content.decode()
    response = sign_in(web, "agent", next=target)
    assert response.status_code == 302 and response.url == reverse("desk:home")


@pytest.mark.parametrize("who", ["wrong password", "unknown user", "inactive user"])
def test_a_failed_sign_in_says_the_same_whoever_it_was(web, world, who):
    world.agent2.is_active = False
    world.agent2.save()
    wrong = sign_in(web, "agent", "nope")
    username, password = {
        "wrong password": ("agent", "nope"),
        "unknown user": ("nobody", "nope"),
        "inactive user": ("agent2", PASSWORD),
    }[who]
    other = sign_in(Client(), username, password)
    assert wrong.status_code == other.status_code == 200
    assert main(other).replace(username, "X") == main(wrong).replace("agent", "X")
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in main(wrong)
    assert not signed_in(web)


def test_five_failures_lock_the_username_out_from_that_address(web, world):
    for _ in range(4):
        assert sign_in(web, "agent", "nope").status_code == 200
    locked = sign_in(web, "agent", "nope")
    assert locked.status_code == 429 and locked["Retry-After"] == str(15 * 60)
    assert "15 minutes" in main(locked)
    # Even the right password is refused now, and the page is the same for a stranger.
    assert sign_in(web, "agent").status_code == 429 and not signed_in(web)
    stranger = Client()
    for _ in range(5):
        last = sign_in(stranger, "nobody", "nope")
    assert last.status_code == 429 and main(last) == main(locked)
    # The same person from another address is not locked out.
    elsewhere = Client(REMOTE_ADDR="10.0.0.2")
    assert sign_in(elsewhere, "agent").status_code == 302


def test_the_lockout_lifts_after_the_cool_off(web, world):
    for _ in range(5):
        sign_in(web, "agent", "nope")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    assert sign_in(web, "agent").status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert sign_in(web, "agent").status_code == 302 and signed_in(web)


def test_signing_in_clears_the_failures(web, world):
    for _ in range(4):
        sign_in(web, "agent", "nope")
    assert sign_in(web, "agent").status_code == 302
    web.post(reverse("account:logout"))
    for _ in range(4):
        assert sign_in(web, "agent", "nope").status_code == 200


def test_the_admin_login_is_the_staff_sign_in(web, world):
    response = web.get("/admin/login/?next=/admin/tickets/")
    assert response.status_code == 302
    assert response.url == f"{login_url()}?next=/admin/tickets/"
    # Its form is not used: a POST there signs nobody in.
    posted = web.post("/admin/login/", {"username": "manager", "password": PASSWORD})
    assert posted.status_code == 302 and posted.url.startswith(login_url())
    assert not signed_in(web)
    english = web.get("/en/admin/")
    assert english.status_code == 302 and english.url.startswith("/en/admin/login/")
    assert web.get(english.url).url == "/en/desk/account/login/?next=/en/admin/"
    # A manager (no second factor required) signs in there and lands in the admin.
    landed = sign_in(web, "manager", next="/admin/")
    assert landed.url == "/admin/" and web.get("/admin/").status_code == 200


def test_the_admin_is_closed_to_staff_who_are_not_admin_staff(web, world):
    sign_in(web, "agent")
    to_login = web.get("/admin/")
    assert to_login.status_code == 302 and to_login.url.startswith("/admin/login/")
    assert web.get(to_login.url).status_code == 403


def test_the_admin_lockout_is_the_same(web, world):
    for _ in range(5):
        sign_in(web, "manager", "nope")
    assert sign_in(web, "manager", next="/admin/").status_code == 429


# --- CSRF and signing out ---------------------------------------------------------------------


def test_signing_in_and_out_need_a_csrf_token(world):
    strict = Client(enforce_csrf_checks=True)
    assert sign_in(strict, "agent").status_code == 403 and not signed_in(strict)
    strict.get(login_url())
    token = strict.cookies["csrftoken"].value
    assert sign_in(strict, "agent", csrfmiddlewaretoken=token).status_code == 302
    assert strict.post(reverse("account:logout")).status_code == 403 and signed_in(strict)
    token = strict.cookies["csrftoken"].value
    out = strict.post(reverse("account:logout"), {"csrfmiddlewaretoken": token})
    assert out.status_code == 302 and not signed_in(strict)


def test_signing_out_is_a_post_and_returns_to_the_sign_in_page(web, world):
    sign_in(web, "agent")
    assert web.get(reverse("account:logout")).status_code == 405 and signed_in(web)
    out = web.post(reverse("account:logout"))
    assert out.status_code == 302 and out.url == login_url() and not signed_in(web)
    assert web.get("/probe/").status_code == 302


# --- the rule of every staff page -------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_back(web, world):
    response = web.get("/probe/?view=mine")
    assert response.status_code == 302
    assert response.url == f"{login_url()}?next=/probe/%3Fview%3Dmine"
    assert sign_in(web, "agent", next="/probe/?view=mine").url == "/probe/?view=mine"


def test_class_based_views_follow_the_same_rule(web, world):
    assert web.get("/probe-cbv/").url == f"{login_url()}?next=/probe-cbv/"
    sign_in(web, "agent")
    assert web.get("/probe-cbv/").json() == {"ok": True}


def test_an_htmx_request_reloads_the_whole_page_to_sign_in(web, world):
    response = web.get(
        "/probe/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/desk/t/EJ-26-1/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{login_url()}?next=/desk/t/EJ-26-1/"


def test_a_post_after_the_session_ended_comes_back_to_its_page(web, world):
    response = web.post("/probe/", headers={"Referer": "http://testserver/desk/t/EJ-26-1/"})
    assert response.url == f"{login_url()}?next=/desk/t/EJ-26-1/"
    off_site = web.post("/probe/", headers={"Referer": "https://evil.com/"})
    assert off_site.url == f"{login_url()}?next=/desk/"


@pytest.mark.parametrize("case", ["no membership", "inactive membership", "inactive brand"])
def test_people_who_are_not_staff_get_403(web, world, case):
    person = User.objects.create_user(username="ex", password=PASSWORD)
    if case != "no membership":
        membership = Membership.objects.create(user=person, brand=world.ej, role=Role.AGENT)
        if case == "inactive membership":
            membership.is_active = False
            membership.save()
        else:
            Brand.objects.filter(pk=world.ej.pk).update(is_active=False)
    sign_in(web, "ex")
    forbidden = web.get("/probe/")
    assert forbidden.status_code == 403
    assert "account/logout" in main(forbidden)


def test_staff_see_only_their_brands(web, world):
    services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="question",
        subject="Colis",
        text="Colis jamais reçu.",
        channel=Channel.EMAIL,
    )
    sign_in(web, "agent")
    assert web.get("/probe/").json()["tickets"] == [world.ticket.reference]
    outsider = Client()
    sign_in(outsider, "outsider")
    assert world.ticket.reference not in outsider.get("/probe/").json()["tickets"]
    assert len(outsider.get("/probe/").json()["tickets"]) == 1


# --- the password -----------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(web, world):
    sign_in(web, "agent")
    other = Client()
    sign_in(other, "agent")
    page = web.get(reverse("account:password_change"))
    assert 'autocomplete="current-password"' in page.content.decode()
    assert 'autocomplete="new-password"' in page.content.decode()
    changed = web.post(
        reverse("account:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "un guichet bien gardé",
            "new_password2": "un guichet bien gardé",
        },
    )
    assert changed.status_code == 302 and changed.url == reverse("account:home")
    assert web.get("/probe/").status_code == 200
    assert other.get("/probe/").status_code == 302 and not signed_in(other)
    assert sign_in(Client(), "agent", "un guichet bien gardé").status_code == 302


def test_a_wrong_current_password_changes_nothing(web, world):
    sign_in(web, "agent")
    refused = web.post(
        reverse("account:password_change"),
        {"old_password": "nope", "new_password1": "x9!kLm2#qq", "new_password2": "x9!kLm2#qq"},
    )
    assert refused.status_code == 200
    world.agent.refresh_from_db()
    assert world.agent.check_password(PASSWORD)


def test_my_account_lists_my_brands_and_roles(web, world):
    sign_in(web, "agent")
    page = main(web.get(reverse("account:home")))
    assert world.ej.name in page and "Agent" in page and world.jamla.name not in page
