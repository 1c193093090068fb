"""Nobody learns whether another brand's object exists: an id of another brand's person
and an id that does not exist get the same answer, on every surface that resolves one."""

import pytest
from django.urls import reverse

from guichet.accounts.models import Role
from guichet.api.tests.test_tickets import url

pytestmark = pytest.mark.django_db


def test_the_api_answers_alike_for_another_brands_person_and_for_nobody(world, api):
    caller = api(role=Role.TEAM_LEAD)
    other = caller.post(url(world, "assign"), {"assignee": world.outsider.pk})
    missing = caller.post(url(world, "assign"), {"assignee": 999_999})
    assert other.status_code == missing.status_code == 400
    assert other.json() == missing.json()


def test_the_desk_answers_alike_for_another_brands_person_and_for_nobody(world, client):
    client.force_login(world.lead)
    page = reverse("desk:assign", kwargs={"reference": world.ticket.reference})
    answers = [
        client.post(
            page, {"assignee": pk, "revision": world.ticket.revision}, HTTP_HX_REQUEST="true"
        )
        for pk in (world.outsider.pk, 999_999)
    ]
    assert answers[0].status_code == answers[1].status_code == 400
    world.ticket.refresh_from_db()
    assert world.ticket.assignee_id is None
