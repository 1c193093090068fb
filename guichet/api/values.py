"""What every operation checks in the values it is given, once ninja has validated them:
no text holds a NUL character, no integer is larger than a database column holds.

- **NUL** (U+0000): PostgreSQL refuses text holding one (a note `{"text": "a\\u0000b"}`
  was a 500 there, and stored on SQLite). The path, headers and query string are refused
  before anything reads them (`guichet.lib.inputs`); here, every string of the body at
  any depth, as the operation reads it (the properties a schema does not name are not
  read: they are ignored, as every unknown property is).
- **Integers of 64 bits**: any JSON or query integer validates as `int`, however large;
  a larger one made the query that used it fail (SQLite cannot bind it:
  `GET /tickets?seller=-483557744065168408576` was a 500).

`checked`, applied to every operation (`api.py`), refuses them as pydantic refuses a value
past a declared `le`/`ge`: 422 `validation`, the field named as ninja names it
(`body.payload.text`, `query.seller`, `path.contact_id`). The document says the same
(`document.py`)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja.errors import ValidationError
from ninja.params.models import Query
from pydantic import BaseModel

from guichet.lib.inputs import NUL, NulCharacter

SMALLEST = -(2**63)
LARGEST = 2**63 - 1


def _sources(view: Callable[..., Any]) -> dict[str, tuple[str, ...]]:
    """Where each parameter of `view` comes from, as the start of ninja's error locations:
    a query model's fields are named alone, a body's after the parameter."""
    found: dict[str, tuple[str, ...]] = {}
    hints = typing.get_type_hints(inspect.unwrap(view), include_extras=True)
    for name, hint in hints.items():
        if name in ("request", "return"):
            continue
        if typing.get_origin(hint) is typing.Annotated:
            if any(isinstance(meta, Query) for meta in typing.get_args(hint)[1:]):
                found[name] = ("query",)
        elif isinstance(hint, type) and issubclass(hint, BaseModel):
            found[name] = ("body", name)
        else:
            found[name] = ("path", name)
    return found


def refusals(value: Any, loc: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    """The errors of `value` (found at `loc`), as ninja lists validation errors."""
    if isinstance(value, str):
        if NUL in value:
            yield {"loc": loc, "type": "null_character", "msg": NulCharacter.message}
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if value > LARGEST:
            yield {
                "loc": loc,
                "type": "less_than_equal",
                "msg": f"Input should be less than or equal to {LARGEST}",
            }
        elif value < SMALLEST:
            yield {
                "loc": loc,
                "type": "greater_than_equal",
                "msg": f"Input should be greater than or equal to {SMALLEST}",
            }
    elif isinstance(value, BaseModel):
        for field in type(value).model_fields:
            yield from refusals(getattr(value, field), (*loc, field))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from refusals(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from refusals(key, (*loc, key))
            yield from refusals(item, (*loc, key))


def checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """`view`, refusing (422) a NUL in any text, or an integer outside 64 bits, it is given."""
    sources = _sources(view)

    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        errors = [
            error for name, loc in sources.items() for error in refusals(kwargs.get(name), loc)
        ]
        if errors:
            raise ValidationError(errors)
        return view(request, *args, **kwargs)

    return run
