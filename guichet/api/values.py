"""What every operation checks in the values it is given, once ninja has validated them:
no text holds a NUL character (U+0000). PostgreSQL refuses text holding one (a note
`{"text": "a\\u0000b"}` was a 500 there, and stored on SQLite). The path, headers and query
string are refused before anything reads them (`guichet.lib.inputs`); here, every string
of the body at any depth, as the operation reads it (the properties a schema does not name
are not read: they are ignored, as every unknown property is).

`checked`, applied to every operation (`api.py`), refuses them as pydantic refuses a value
it cannot take: 422 `validation`, the field named as ninja names it (`body.payload.text`)."""

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
    """`view`, refusing (422) a NUL in any text it is given."""
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
