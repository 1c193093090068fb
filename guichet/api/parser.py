"""The API's JSON bodies, read once for every operation (`NinjaAPI(parser=…)`).

A body that is not JSON is 400 `json`; a body that is not a JSON **object** (`[]`, `"x"`,
`null`, `123`, `true`) is a validation error of the field `body` (422 `validation`),
whatever the operation. ninja's `Schema` validates with `from_attributes`, reading each
field as an attribute of whatever it is given, so a schema whose fields are all optional
took any value as an empty object (`POST …/escalation-requests` with `[]` recorded a
request). Every body of this API is an object (`test_body_shape` checks the document says
so).

ninja answers 400 for any exception its parser raises, keeping it as the cause: the
API's handler of that 400 (`errors.install`) answers the cause instead."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.errors import ValidationError
from ninja.parser import Parser


class NotJson(ValueError):
    """The body is not JSON (or not UTF-8)."""


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
            raise NotJson(str(error)) from error
        if not isinstance(data, dict):
            message = _("The body must be a JSON object.")
            raise ValidationError([{"loc": ("body",), "type": "model_type", "msg": message}])
        return data
