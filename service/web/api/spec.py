"""What the OpenAPI modules share: the common schemas and the shapes of a response."""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
INT = {"type": "integer"}
PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
TIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str, headers: dict | None = None) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def error(description: str) -> dict:
    return json_response(ref("Error"), description)


SLUG = {"name": "slug", "in": "path", "required": True, "schema": STR}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
