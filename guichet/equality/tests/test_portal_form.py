"""The customer's side of equality monitoring (RP-3): after a complaint or a dispute at a
brand that monitors equality, the confirmation page and the request's page offer a short
form; answering is optional ("Prefer not to say" chosen for every question, a "skip"),
counted once per request, for that request's brand only, behind CSRF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import django.test
import pytest

from guichet.brands.models import Brand
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, World
from guichet.contacts.services import contact_for_email
from guichet.equality.tests.conftest import answers, counts, open_ticket, uses
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import sign_in, url
from guichet.tickets.models import Ticket


def contact_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Ana Brown",
        "email": "ana@example.org",
        "contact_type": "complaint",
        "category": "billing",
        "subject": "Charged twice",
        "message": "My card was charged twice for one booking.",
        "language": "en",
        "consent": "on",
        "website": "",
    }
    return data | overrides


def send_complaint(browser: django.test.Client, brand: Brand, **overrides: Any) -> Ticket:
    """Send the contact form as a visitor: the browser is then on the confirmation page."""
    response = browser.post("/en" + url(brand, "contact"), contact_form(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    with brand_scope(brand):
        return Ticket.objects.filter(brand=brand).latest("pk")


def monitor_jamla() -> Brand:
    """Jamla24 monitoring equality too, with one question of its own."""
    text = (Path(PRESETS) / "jamla24.toml").read_text(encoding="utf-8")
    text = text.replace("\n[reports]\n", "\n[reports]\nequality_monitoring = true\n")
    text += """
[[reports.equality_questions]]
key = "age"
question = { fr = "Votre âge ?", en = "Your age?" }
options = [
  { key = "under-40", label = { fr = "Moins de 40 ans", en = "Under 40" } },
  { key = "40-plus", label = { fr = "40 ans et plus", en = "40 and over" } },
]
"""
    return policy_publish(text=text, source="test:jamla24-equality").brand


SENT_FORM = "equality_sent"


# --- the offer -----------------------------------------------------------------------------------


def test_the_confirmation_of_a_complaint_offers_the_optional_form(
    browser: django.test.Client, world: World
) -> None:
    send_complaint(browser, world.ej)
    page = browser.get("/en" + url(world.ej, "contact_sent")).content.decode()
    assert "Help us treat everyone fairly" in page
    assert "answer 3 short questions about yourself. It is optional" in page
    assert "kept apart from your request" in page
    assert f'href="/en{url(world.ej, SENT_FORM)}"' in page


def test_the_offer_is_in_french_too(browser: django.test.Client, world: World) -> None:
    send_complaint(browser, world.ej, language="fr")
    page = browser.get(url(world.ej, "contact_sent")).content.decode()
    assert "Aidez-nous à traiter chacun équitablement" in page
    form = browser.get(url(world.ej, SENT_FORM)).content.decode()
    assert "Je préfère ne pas répondre" in form and "Quelle est votre tranche d’âge" in form
    assert "facultatif" in form


@pytest.mark.parametrize("contact_type", ["question", "compliment"])
def test_other_requests_are_not_offered_the_form(
    browser: django.test.Client, world: World, contact_type: str
) -> None:
    send_complaint(browser, world.ej, contact_type=contact_type)
    page = browser.get("/en" + url(world.ej, "contact_sent")).content.decode()
    assert "Help us treat everyone fairly" not in page
    assert browser.get("/en" + url(world.ej, SENT_FORM)).status_code == 404


def test_a_brand_that_does_not_monitor_equality_offers_nothing(
    browser: django.test.Client, world: World
) -> None:
    send_complaint(browser, world.jamla, category="")
    page = browser.get("/en" + url(world.jamla, "contact_sent")).content.decode()
    assert "Help us treat everyone fairly" not in page
    assert browser.get("/en" + url(world.jamla, SENT_FORM)).status_code == 404
    assert browser.post("/en" + url(world.jamla, SENT_FORM), answers(age="x")).status_code == 404


def test_no_request_sent_from_this_browser_no_form(
    browser: django.test.Client, world: World
) -> None:
    assert browser.get("/en" + url(world.ej, SENT_FORM)).status_code == 404
    assert browser.post("/en" + url(world.ej, SENT_FORM), answers(sex="man")).status_code == 404
    assert counts(world.ej) == {}


# --- the form ------------------------------------------------------------------------------------


def test_every_question_has_prefer_not_to_say_chosen_and_a_skip(
    browser: django.test.Client, world: World
) -> None:
    send_complaint(browser, world.ej)
    page = browser.get("/en" + url(world.ej, SENT_FORM)).content.decode()
    assert "What is your age group?" in page and "Do you have a disability" in page
    for question in ("age", "sex", "disability"):
        assert f'name="q-{question}" value="prefer_not_to_say" id="id_q-{question}_' in page
    # Each question's "prefer not to say" is chosen, and nothing else; nothing is required.
    assert re.findall(r'value="([\w-]+)"[^>]* checked', page) == ["prefer_not_to_say"] * 3
    assert " required" not in page
    assert "Answering is optional" in page
    assert f'href="/en{url(world.ej, "contact_sent")}">Skip: answer nothing</a>' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_answers_are_counted_and_the_offer_is_gone(
    browser: django.test.Client, world: World
) -> None:
    send_complaint(browser, world.ej)
    response = browser.post(
        "/en" + url(world.ej, SENT_FORM), answers(age="35-44", sex="woman", disability="no")
    )
    assert response.status_code == 302
    assert response["Location"] == "/en" + url(world.ej, "contact_sent")
    assert counts(world.ej) == {
        ("age", "35-44"): 1,
        ("sex", "woman"): 1,
        ("disability", "no"): 1,
    }
    page = browser.get("/en" + url(world.ej, "contact_sent")).content.decode()
    assert "your answers are counted, apart from your request" in page
    assert "Help us treat everyone fairly" not in page


def test_sending_the_form_untouched_counts_prefer_not_to_say(
    browser: django.test.Client, world: World
) -> None:
    send_complaint(browser, world.ej)
    browser.post("/en" + url(world.ej, SENT_FORM), answers(sex="prefer_not_to_say"))
    assert counts(world.ej) == {
        ("age", "prefer_not_to_say"): 1,
        ("sex", "prefer_not_to_say"): 1,
        ("disability", "prefer_not_to_say"): 1,
    }


def test_skipping_writes_nothing_and_the_offer_stays(
    browser: django.test.Client, world: World
) -> None:
    send_complaint(browser, world.ej)
    browser.get("/en" + url(world.ej, SENT_FORM))  # opened, then "skip" (a link back)
    page = browser.get("/en" + url(world.ej, "contact_sent")).content.decode()
    assert "Help us treat everyone fairly" in page
    assert counts(world.ej) == {} and uses(world.ej) == 0


def test_the_form_is_answered_once_per_request(browser: django.test.Client, world: World) -> None:
    send_complaint(browser, world.ej)
    browser.post("/en" + url(world.ej, SENT_FORM), answers(sex="woman"))
    again = browser.post("/en" + url(world.ej, SENT_FORM), answers(sex="man"))
    assert again.status_code == 302
    assert counts(world.ej)[("sex", "woman")] == 1 and ("sex", "man") not in counts(world.ej)
    page = browser.get("/en" + url(world.ej, SENT_FORM), follow=True).content.decode()
    assert "already counted" in page
    # The next request from this browser has its own form.
    send_complaint(browser, world.ej, subject="Another one")
    browser.post("/en" + url(world.ej, SENT_FORM), answers(sex="man"))
    assert counts(world.ej)[("sex", "man")] == 1


def test_an_answer_off_the_list_is_refused(browser: django.test.Client, world: World) -> None:
    send_complaint(browser, world.ej)
    response = browser.post("/en" + url(world.ej, SENT_FORM), answers(sex="robot"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert counts(world.ej) == {} and uses(world.ej) == 0


def test_csrf_is_checked(world: World) -> None:
    strict = django.test.Client(enforce_csrf_checks=True)
    page = strict.get("/en" + url(world.ej, "contact"))
    token = page.cookies["csrftoken"].value
    response = strict.post(
        "/en" + url(world.ej, "contact"),
        contact_form() | {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    refused = strict.post("/en" + url(world.ej, SENT_FORM), answers(sex="woman"))
    assert refused.status_code == 403
    assert counts(world.ej) == {}


# --- the request's page --------------------------------------------------------------------------


def test_the_request_page_offers_the_form_until_it_is_answered(
    signed_in: django.test.Client, world: World
) -> None:
    page_url = "/en" + url(world.ej, "request", reference=world.ticket.reference)
    form_url = "/en" + url(world.ej, "equality_request", reference=world.ticket.reference)
    page = signed_in.get(page_url).content.decode()
    assert f'href="{form_url}"' in page
    assert f'href="{page_url}">Skip: answer nothing</a>' in signed_in.get(form_url).content.decode()
    response = signed_in.post(form_url, answers(age="65-plus"))
    assert response.status_code == 302 and response["Location"] == page_url
    assert counts(world.ej)[("age", "65-plus")] == 1
    assert f'href="{form_url}"' not in signed_in.get(page_url).content.decode()


def test_a_signed_in_customer_cannot_answer_for_someone_elses_request(
    signed_in: django.test.Client, world: World
) -> None:
    someone = contact_for_email(brand=world.ej, email="autre@exemple.fr", name="Autre")
    theirs = open_ticket(world.ej, someone)
    form_url = "/en" + url(world.ej, "equality_request", reference=theirs.reference)
    assert signed_in.get(form_url).status_code == 404
    assert signed_in.post(form_url, answers(sex="man")).status_code == 404
    assert counts(world.ej) == {}


def test_a_form_of_one_brand_cannot_count_for_another(
    browser: django.test.Client, world: World
) -> None:
    jamla = monitor_jamla()
    # A request sent to EJ from this browser; the form asked at Jamla24's address.
    send_complaint(browser, world.ej)
    assert browser.get("/en" + url(jamla, SENT_FORM)).status_code == 404
    assert browser.post("/en" + url(jamla, SENT_FORM), answers(age="under-40")).status_code == 404
    # A customer signed in at Jamla24, naming an EJ request at Jamla24's address.
    salma = world.other_customer
    sign_in(browser, jamla, salma)
    ej_form = url(jamla, "equality_request", reference=world.ticket.reference)
    assert browser.post("/en" + ej_form, answers(age="under-40")).status_code == 404
    assert counts(world.ej) == {} and counts(jamla) == {}
    # Their own Jamla24 dispute is counted at Jamla24, with Jamla24's question.
    dispute = open_ticket(jamla, salma, contact_type="dispute")
    own = url(jamla, "equality_request", reference=dispute.reference)
    assert browser.post("/en" + own, answers(age="under-40")).status_code == 302
    assert counts(jamla) == {("age", "under-40"): 1} and counts(world.ej) == {}
