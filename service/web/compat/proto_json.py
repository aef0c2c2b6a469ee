"""Reading a request in Google's JSON mapping of protocol buffers: fields by their
lowerCamelCase or snake_case names (Google takes both, and old Perspective clients send
``requested_attributes``), only those the message has, each of its type; null means absent."""

from __future__ import annotations

from typing import Any

from service.web.compat.google_errors import invalid


def fields_of(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    """``value``'s fields by their lowerCamelCase names, refusing any not in ``allowed``."""
    if not isinstance(value, dict):
        raise invalid(f"Invalid value at '{where or 'body'}': expected an object.")
    out = {}
    for key, item in value.items():
        name = _camel(str(key))
        if name not in allowed:
            at = f" at '{where}'" if where else ""
            raise invalid(
                f'Invalid JSON payload received. Unknown name "{key}"{at}: Cannot find field.'
            )
        out[name] = item
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def str_field(fields: dict[str, Any], name: str, where: str = "") -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid(f"Invalid value at '{_at(where, name)}': expected a string.")
    return value


def str_list_field(fields: dict[str, Any], name: str) -> tuple[str, ...]:
    value = fields.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(f"Invalid value at '{name}': expected a list of strings.")
    return tuple(item for item in value if item.strip())


def bool_field(fields: dict[str, Any], name: str) -> bool:
    value = fields.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"Invalid value at '{name}': expected true or false.")
    return bool(value)


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def probability(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise invalid(f"Invalid value at '{where}': expected a number from 0 to 1.")
    return float(value)
