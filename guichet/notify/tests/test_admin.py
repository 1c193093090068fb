import pytest
from django.urls import reverse

from guichet.conftest import assert_hidden_from_outsider
from guichet.lib.scoping import brand_scope
from guichet.notify.models import LetterKind, LetterTemplate, OutboundEmail

pytestmark = pytest.mark.django_db


def test_an_administrator_words_a_letter_and_sees_a_preview(client, world):
    client.force_login(world.admin)
    url = reverse("admin:notify_lettertemplate_add")
    broken = client.post(
        url,
        {
            "brand": world.ej.pk,
            "kind": LetterKind.OUTCOME,
            "language": "fr",
            "subject": "x",
            "body": "{% if %}",
        },
    )
    assert broken.status_code == 200 and "erreur" in broken.content.decode()
    response = client.post(
        url,
        {
            "brand": world.ej.pk,
            "kind": LetterKind.OUTCOME,
            "language": "fr",
            "subject": "[{{ reference }}] Issue",
            "body": "Issue : {{ outcome }}.",
        },
    )
    assert response.status_code == 302
    with brand_scope(world.ej):
        template = LetterTemplate.objects.get()
    page = client.get(
        reverse("admin:notify_lettertemplate_change", args=[template.pk])
    ).content.decode()
    assert "Issue : partiellement retenue." in page  # the preview


def test_letters_and_the_outbox_are_hidden_from_other_brands(client, world, frozen_clock):
    with brand_scope(world.ej):
        template = LetterTemplate.objects.create(
            brand=world.ej,
            kind="outcome",
            language="fr",
            subject="s",
            body="b",
            updated_at=frozen_clock.now(),
        )
        email = OutboundEmail.objects.filter(ticket=world.ticket).first()
    assert_hidden_from_outsider(
        client,
        world.outsider_admin,
        reverse("admin:notify_lettertemplate_change", args=[template.pk]),
    )
    assert_hidden_from_outsider(
        client, world.outsider_admin, reverse("admin:notify_outboundemail_change", args=[email.pk])
    )
    client.force_login(world.outsider_admin)
    assert (
        world.ticket.reference
        not in client.get(reverse("admin:notify_outboundemail_changelist")).content.decode()
    )


def test_the_ticket_page_shows_its_deadlines(client, world):
    client.force_login(world.manager)
    page = client.get(
        reverse("admin:tickets_ticket_change", args=[world.ticket.pk])
    ).content.decode()
    assert "Réponse écrite complète" in page and "Lettre de retard" in page


def test_absences_of_other_brands_staff_are_hidden(client, world, frozen_clock):
    from datetime import timedelta

    from guichet.accounts.models import Absence

    absence = Absence.objects.create(
        user=world.agent,
        starts_at=frozen_clock.now(),
        ends_at=frozen_clock.now() + timedelta(days=1),
        created_at=frozen_clock.now(),
    )
    assert_hidden_from_outsider(
        client, world.outsider_admin, reverse("admin:accounts_absence_change", args=[absence.pk])
    )
    client.force_login(world.manager)
    assert (
        client.get(reverse("admin:accounts_absence_change", args=[absence.pk])).status_code == 200
    )
