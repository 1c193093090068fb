"""Every body of the API is a JSON object: a body that is another JSON value (`[]`, `"x"`,
`null`, `123`, `true`) is refused with 422 `validation` on the field `body`, by every
operation alike, and nothing changes. (ninja's schemas read fields as attributes of any
value: a schema whose fields are all optional took `[]` as `{}`, and
`POST …/escalation-requests` recorded a request.)"""

import json
from collections import defaultdict

import pytest

from guichet.accounts.models import Role
from guichet.api.api import api as ninja_api
from guichet.tickets.models import Event

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["[]", '"x"', "null", "123", "true", "[{}]"]


def _json_operations() -> list[tuple[str, str]]:
    document = ninja_api.get_openapi_schema(path_prefix="/api/v1/")
    return [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


OPERATIONS = _json_operations()


def test_every_json_body_of_the_document_is_an_object():
    document = ninja_api.get_openapi_schema(path_prefix="/api/v1/")
    components = document["components"]["schemas"]
    assert len(OPERATIONS) >= 13
    for method, path in OPERATIONS:
        schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        schema = schema["schema"]
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        assert schema["type"] == "object", (method, path)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_body_that_is_not_an_object_is_refused_by_every_operation(world, api, method, path):
    caller = api(role=Role.ADMIN)
    # The body is refused before anything is looked up: any id does for the others.
    ids = defaultdict(lambda: "1", reference=world.ticket.reference, contact_id=world.customer.pk)
    url = path.format_map(ids)
    with world.scoped():
        events = Event.objects.count()
    for body in NOT_OBJECTS:
        response = caller.client.generic(
            method.upper(),
            url,
            body,
            content_type="application/json",
            headers=caller._headers({}),
        )
        assert response.status_code == 422, (method, path, body, response.content)
        answer = response.json()
        assert answer["code"] == "validation"
        assert [error["field"] for error in answer["errors"]] == ["body"]
        assert answer["errors"][0]["code"] == "model_type"
    with world.scoped():
        assert Event.objects.count() == events


def test_the_escalation_request_of_the_issue_records_nothing(world, api):
    caller = api(role=Role.ADMIN)
    url = f"/api/v1/tickets/{world.ticket.reference}/escalation-requests"
    for body in ("[]", '"x"'):
        response = caller.client.post(
            url, body, content_type="application/json", headers=caller._headers({})
        )
        assert response.status_code == 422
    world.ticket.refresh_from_db()
    assert world.ticket.level == 1
    # An empty object is still a request (its fields are optional), once answered.
    caller.post(f"/api/v1/tickets/{world.ticket.reference}/replies", {"text": "Réponse"})
    response = caller.post(url, {})
    assert response.status_code == 200 and response.json()["level"] == 2


def test_a_body_that_is_not_json_is_400_json(world, api):
    caller = api()
    response = caller.client.post(
        f"/api/v1/tickets/{world.ticket.reference}/notes",
        "{text: 1}",
        content_type="application/json",
        headers=caller._headers({}),
    )
    assert response.status_code == 400 and response.json()["code"] == "json"
    assert json.loads(response.content)["message"] == "The body is not valid JSON."
