"""A brand's managers word its letters in the admin — theirs only — and see them as the
customer gets them (subject, text, HTML) in each of the brand's languages, saved or not."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guichet.accounts.models import Role
from guichet.conftest import World, make_staff
from guichet.lib.scoping import brand_scope
from guichet.notify.models import LetterKind, LetterTemplate

pytestmark = pytest.mark.django_db

ADD = "admin:notify_lettertemplate_add"


def wording(**extra: Any) -> dict[str, Any]:
    return {
        "kind": LetterKind.ACKNOWLEDGEMENT,
        "language": "fr",
        "subject": "[{{ reference }}] Bien reçu",
        "body": "Bonjour {{ customer_name }},\n\nMerci d’avoir écrit à {{ brand_name }}.",
        **extra,
    }


def saved(world: World, frozen_clock: Any, brand: Any = None, **extra: Any) -> LetterTemplate:
    brand = brand or world.ej
    with brand_scope(brand):
        return LetterTemplate.objects.create(
            brand=brand, updated_at=frozen_clock.now(), **{**wording(), **extra}
        )


def test_a_manager_sees_the_letters_in_the_admin(client: Any, world: World) -> None:
    client.force_login(world.manager)
    listing = reverse("admin:notify_lettertemplate_changelist")
    assert listing in client.get(reverse("admin:index")).content.decode()
    page = client.get("/en" + listing)
    assert page.status_code == 200
    html = page.content.decode()
    # Every letter Guichet writes, to start a wording from, in each language.
    assert "Acknowledgement of receipt" in html and "?kind=acknowledgement&amp;language=en" in html


def test_a_new_wording_starts_from_guichets_for_the_managers_brand(
    client: Any, world: World
) -> None:
    client.force_login(world.manager)
    html = client.get(reverse(ADD) + "?kind=acknowledgement&language=fr").content.decode()
    assert "Nous avons bien reçu votre demande" in html  # Guichet's default subject
    assert f'<option value="{world.ej.pk}" selected>' in html
    assert f'<option value="{world.jamla.pk}"' not in html  # not their brand


def test_a_manager_words_a_letter_and_it_is_sent_so(
    client: Any, world: World, frozen_clock: Any
) -> None:
    from guichet.lib.ttlcache import clear_all
    from guichet.notify.letters import compose

    client.force_login(world.manager)
    response = client.post(reverse(ADD), wording(brand=world.ej.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    clear_all()  # every process sees an edit within 30 seconds; this test at once
    with brand_scope(world.ej):
        template = LetterTemplate.objects.get()
        subject, text = compose(world.ticket, LetterKind.ACKNOWLEDGEMENT)
    assert subject == f"[{world.ticket.reference}] Bien reçu"
    assert "Merci d’avoir écrit à Expérience Jamaïque." in text
    changed = client.post(
        reverse("admin:notify_lettertemplate_change", args=[template.pk]),
        wording(brand=world.ej.pk, subject="[{{ reference }}] Reçu"),
    )
    assert changed.status_code == 302


def test_the_change_page_previews_the_letter_in_each_language(
    client: Any, world: World, frozen_clock: Any
) -> None:
    template = saved(world, frozen_clock)
    client.force_login(world.manager)
    html = client.get(
        reverse("admin:notify_lettertemplate_change", args=[template.pk])
    ).content.decode()
    assert '<section class="letter-preview" lang="fr">' in html
    assert '<section class="letter-preview" lang="en">' in html
    assert "[EJ-26-00042] Bien reçu" in html  # the subject, with sample values
    assert "<p>Bonjour Hélène Lefèvre,</p><p>Merci d’avoir écrit à Expérience Jamaïque.</p>" in (
        html.replace("&#x27;", "'")
    )  # the HTML part
    assert "Texte par défaut de Guichet" in html  # where English is not worded yet
    assert "We have received your request" in html  # English: Guichet's, until worded


def test_preview_shows_an_unsaved_edit(client: Any, world: World, frozen_clock: Any) -> None:
    client.force_login(world.manager)
    preview = reverse("admin:notify_lettertemplate_preview")
    response = client.post(
        preview,
        wording(
            brand=world.ej.pk,
            language="en",
            subject="Got it: {{ reference }}",
            body="Thanks, {{ customer_name }}.",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Got it: EJ-26-00042" in html and "Thanks, Helen Lee." in html
    assert "Nous avons bien reçu votre demande" in html  # French: Guichet's wording
    with brand_scope(world.ej):
        assert not LetterTemplate.objects.exists()  # nothing saved
    broken = client.post(preview, wording(brand=world.ej.pk, body="{% if %}"))
    assert broken.status_code == 200 and "letter-preview" not in broken.content.decode()


def test_preview_of_an_edit_of_a_saved_wording(
    client: Any, world: World, frozen_clock: Any
) -> None:
    saved(world, frozen_clock)
    client.force_login(world.manager)
    response = client.post(
        reverse("admin:notify_lettertemplate_preview"),
        wording(brand=world.ej.pk, subject="Reçu : {{ reference }}"),
    )
    assert "Reçu : EJ-26-00042" in response.content.decode()


def test_the_change_form_has_a_preview_button(client: Any, world: World, frozen_clock: Any) -> None:
    template = saved(world, frozen_clock)
    client.force_login(world.manager)
    html = client.get(
        reverse("admin:notify_lettertemplate_change", args=[template.pk])
    ).content.decode()
    assert f'formaction="{reverse("admin:notify_lettertemplate_preview")}"' in html


def test_a_manager_sees_and_edits_only_their_brands_letters(
    client: Any, world: World, frozen_clock: Any
) -> None:
    ours = saved(world, frozen_clock)
    theirs = saved(world, frozen_clock, brand=world.jamla, subject="Jamla24 {{ reference }}")
    client.force_login(world.manager)
    listing = client.get(reverse("admin:notify_lettertemplate_changelist")).content.decode()
    assert reverse("admin:notify_lettertemplate_change", args=[ours.pk]) in listing
    assert reverse("admin:notify_lettertemplate_change", args=[theirs.pk]) not in listing
    for name in ("change", "delete"):
        url = reverse(f"admin:notify_lettertemplate_{name}", args=[theirs.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, wording(brand=world.jamla.pk)).status_code == 404
    # Nor can they word a letter of another brand, or preview one.
    refused = client.post(reverse(ADD), wording(brand=world.jamla.pk))
    assert refused.status_code == 200
    assert "Sélectionnez un choix valide" in refused.content.decode()
    with brand_scope(world.jamla):
        assert LetterTemplate.objects.count() == 1
    preview = client.post(
        reverse("admin:notify_lettertemplate_preview"), wording(brand=world.jamla.pk)
    )
    assert "Jamla24" not in preview.content.decode().split('id="content"')[-1]


def test_agents_and_team_leads_do_not_word_letters(
    client: Any, world: World, frozen_clock: Any
) -> None:
    template = saved(world, frozen_clock)
    lead = make_staff(world.ej, "lead-staff", Role.TEAM_LEAD, is_staff=True)
    client.force_login(lead)
    assert client.get(reverse("admin:notify_lettertemplate_changelist")).status_code == 403
    url = reverse("admin:notify_lettertemplate_change", args=[template.pk])
    assert client.get(url).status_code in (403, 404)
