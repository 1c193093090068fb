"""What the OpenAPI document says that ninja does not write from the operations: what
every operation refuses alike, before or after ninja validates the request
(`guichet.lib.inputs`, `parser.py`, `values.py`, `errors.refusal`).

- **No NUL character** (U+0000) in any text a client sends: each string of the parameters
  and request bodies is `not` matched by the pattern of a NUL (rather than matching a
  pattern of strings without one, from which the fuzzer draws long strings slowly).
- **Integers of 64 bits**, what a database column holds.
- **The answers every operation may give**: 400 (a body that is not JSON, a request Django
  cannot read), 413 `too_large` (a body or form over Django's limits), 422 (a NUL
  character, a body that is not an object…), declared where the operation does not
  declare them itself."""

from __future__ import annotations

from typing import Any

from guichet.api.values import LARGEST, SMALLEST

_REF = "#/components/schemas/"

# What the shared refusals answer, by status.
SHARED_ANSWERS = {
    400: ("Bad request: a body that is not JSON, or a request that cannot be read", "Error"),
    413: ("The request is too large (too_large)", "Error"),
    422: ("Not valid (validation, with errors) or refused (code)", None),
}


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (ninja's, changed in place) with the shared refusals written in."""
    schemas = document.get("components", {}).get("schemas", {})
    inputs: set[str] = set()
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _constrain(parameter.get("schema", {}), schemas, inputs)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _constrain(media.get("schema", {}), schemas, inputs)
            _add_shared_answers(operation["responses"])
    return document


def _constrain(schema: Any, components: dict[str, Any], seen: set[str]) -> None:
    """Forbid NUL in every string of `schema` and bound its integers; the same in the
    components it uses (each once)."""
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith(_REF):
        name = reference.removeprefix(_REF)
        if name not in seen:
            seen.add(name)
            _constrain(components.get(name), components, seen)
        return
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds and "enum" not in schema and schema.get("format") != "binary":
        schema.setdefault("not", {"pattern": "\\u0000"})
    if "integer" in kinds:
        schema.setdefault("minimum", SMALLEST)
        schema.setdefault("maximum", LARGEST)
    for key in ("properties", "$defs"):
        for value in (schema.get(key) or {}).values():
            _constrain(value, components, seen)
    for key in ("items", "additionalProperties", "not"):
        _constrain(schema.get(key), components, seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for value in schema.get(key) or []:
            _constrain(value, components, seen)


def _add_shared_answers(responses: dict[Any, Any]) -> None:
    declared = {str(status) for status in responses}
    for status, (description, schema) in SHARED_ANSWERS.items():
        if str(status) in declared:
            continue
        body = (
            {"$ref": _REF + schema}
            if schema
            else {"anyOf": [{"$ref": _REF + "ValidationErrorOut"}, {"$ref": _REF + "Error"}]}
        )
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": body}},
        }
