"""The OpenAPI description of what Sieve sends: the webhook events (OpenAPI 3.1 ``webhooks``),
merged into the document by ``service.web.api.openapi``."""

from __future__ import annotations

from typing import Any

from service.web.api.spec import INT, NULLABLE_STR, STR, TIME, ref

PATHS: dict[str, Any] = {}  # none: Sieve sends these, it does not answer them
_STATUS = {"enum": ["pending", "approved", "held", "rejected", "spam"]}

SCHEMAS: dict[str, Any] = {
    "WebhookEvent": {
        "type": "object",
        "description": "The body of a webhook request. Headers: `Sieve-Event` (the type), "
        "`Sieve-Delivery` (unique per delivery; a redelivery has a new one, the same event id) "
        'and `Sieve-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with '
        "the webhook's secret>` (a second `v1=` for 24 hours after a rotation). Never holds an "
        "e-mail or IP hash.",
        "required": ["id", "type", "created_at", "site", "thread", "comment", "links"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^evt_[0-9a-f]{32}$"},
            "type": {"enum": ["comment.created", "comment.decided"]},
            "created_at": TIME,
            "site": {
                "type": "object",
                "required": ["slug", "name"],
                "additionalProperties": False,
                "properties": {"slug": STR, "name": STR},
            },
            "thread": {
                "type": "object",
                "required": ["key", "url", "title"],
                "additionalProperties": False,
                "properties": {"key": STR, "url": NULLABLE_STR, "title": NULLABLE_STR},
            },
            "comment": {
                "type": "object",
                "required": [
                    "id",
                    "parent_id",
                    "status",
                    "author_name",
                    "body",
                    "reason_codes",
                    "scores",
                    "decided_by",
                    "created_at",
                    "decided_at",
                ],
                "additionalProperties": False,
                "properties": {
                    "id": INT,
                    "parent_id": {"type": ["integer", "null"]},
                    "status": _STATUS,
                    "author_name": STR,
                    "body": STR,
                    "reason_codes": {"type": "array", "items": STR},
                    "scores": {
                        "type": ["object", "null"],
                        "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                    "decided_by": {
                        "type": ["string", "null"],
                        "description": "model, moderator, guard or system",
                    },
                    "created_at": TIME,
                    "decided_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "links": {
                "type": "object",
                "required": ["comment", "moderate", "thread"],
                "additionalProperties": False,
                "properties": {"comment": STR, "moderate": STR, "thread": NULLABLE_STR},
            },
        },
    }
}


def _event(summary: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("WebhookEvent")}},
            },
            "responses": {
                "2XX": {"description": "delivered; anything else is retried for about a day"}
            },
        }
    }


WEBHOOKS: dict[str, Any] = {
    "comment.created": _event("A comment arrived (sent when it is scored or caught at intake)"),
    "comment.decided": _event(
        "A comment was approved, held, rejected or filed as spam, by the "
        "model, a moderator, the guard or the system"
    ),
}
