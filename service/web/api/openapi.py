"""The OpenAPI 3.1 description of every endpoint, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from service.web.api import api, openapi_compat, openapi_learning, openapi_webhooks
from service.web.api.spec import INT as _INT
from service.web.api.spec import NULLABLE_STR as _NULLABLE_STR
from service.web.api.spec import PROBABILITY as _PROBABILITY
from service.web.api.spec import RETRY_AFTER as _RETRY_AFTER
from service.web.api.spec import SLUG as _SLUG
from service.web.api.spec import STR as _STR
from service.web.api.spec import TIME as _TIME
from service.web.api.spec import error as _error
from service.web.api.spec import json_response as _json
from service.web.api.spec import ref as _ref

# The keyset paging parameters every listing takes.
_PAGE = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
    {"name": "cursor", "in": "query", "schema": _STR},
]

_DOMAINS = {
    "type": "array",
    "items": _STR,
    "maxItems": 500,
    "description": "domains such as reuters.com, each covering its subdomains; a scheme, "
    "`www.` or path is dropped",
}
# What the admin page edits: read with GET /api/v1/sites/{slug}, changed with PATCH.
_SITE_SETTINGS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 200},
    "allowed_origins": {
        "type": "array",
        "items": _STR,
        "description": "origins that may embed the widget, such as https://blog.example; links "
        "to their hosts never count against a comment",
    },
    "thresholds": {
        "type": "object",
        "description": "per label: approve below, reject above, hold between",
        "additionalProperties": {
            "type": "object",
            "required": ["approve_below", "reject_above"],
            "additionalProperties": False,
            "properties": {"approve_below": _PROBABILITY, "reject_above": _PROBABILITY},
        },
    },
    "premoderation": {"enum": ["none", "new_authors", "all"]},
    "rate_limit_ip": {"type": "string", "description": "e.g. 5/minute; empty: server default"},
    "rate_limit_site": {"type": "string", "description": "e.g. 600/minute; empty: server default"},
    "blocked_words": {
        "type": "array",
        "items": _STR,
        "maxItems": 500,
        "description": "comments containing one are rejected",
    },
    "blocked_domains": {**_DOMAINS, "description": "comments linking to one are rejected"},
    "allowed_domains": {
        **_DOMAINS,
        "description": "links to them never count against a comment; none may be blocked too",
    },
    "scoring_failure": {"enum": ["hold", "approve"]},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": _STR,
                    "message": _STR,
                    "fields": {"type": "object", "additionalProperties": _STR},
                },
            }
        },
    },
    "NewComment": {
        "type": "object",
        "required": ["site", "thread", "body", "author_name"],
        "additionalProperties": False,
        "properties": {
            "site": {
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$",
                "description": "site slug",
            },
            "thread": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "thread key",
            },
            "body": {
                "type": "string",
                "minLength": 1,
                "description": "the comment, NFC-normalised, control and bidi-override characters "
                "removed; no null characters; length limit configurable (SIEVE_MAX_BODY_CHARS)",
            },
            "author_name": {
                "type": "string",
                "minLength": 1,
                "description": "shown with the comment (SIEVE_MAX_NAME_CHARS)",
            },
            "author_email": {"type": "string", "format": "email", "description": "never shown"},
            "parent_id": {"type": "integer", "minimum": 1},
            "thread_url": {"type": "string", "format": "uri", "maxLength": 2000},
            "thread_title": {"type": "string", "maxLength": 300},
            "website": {
                "type": "string",
                "description": "the widget's honeypot: people leave it empty; any value files "
                "the comment as spam",
            },
            "notify_replies": {
                "type": "boolean",
                "default": False,
                "description": "tell the author of replies by e-mail (needs author_email): the "
                "address is sent a link to confirm, and nothing else until it is followed; "
                "ignored when the server sends no mail (CommentForm.replies_by_mail)",
            },
            "render_token": {
                "type": "string",
                "maxLength": 200,
                "description": "from GET /api/v1/comments/form; a comment sent sooner than "
                "`min_submit_seconds` after it was issued, or with a forged token, is filed as "
                "spam (still answered 202). Optional: API clients leave it out",
            },
        },
    },
    "CommentForm": {
        "type": "object",
        "required": ["render_token", "min_submit_seconds", "limits", "replies_by_mail"],
        "properties": {
            "render_token": _STR,
            "min_submit_seconds": {"type": "number"},
            "replies_by_mail": {
                "type": "boolean",
                "description": "whether the server sends mail: the form offers notify_replies",
            },
            "limits": {
                "type": "object",
                "required": ["body", "author_name", "author_email"],
                "properties": {"body": _INT, "author_name": _INT, "author_email": _INT},
                "description": "longest accepted value of each field, in characters",
            },
        },
    },
    "Accepted": {
        "type": "object",
        "required": ["id", "status", "links"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"const": "pending"},
            "links": {
                "type": "object",
                "required": ["self"],
                "properties": {"self": _STR},
            },
        },
    },
    "CommentStatus": {
        "type": "object",
        "required": ["id", "site", "thread", "parent_id", "status", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "site": _STR,
            "thread": _STR,
            "parent_id": {"type": ["integer", "null"]},
            "status": {"enum": ["pending", "approved", "held", "rejected"]},
            "created_at": _TIME,
            "author_name": {"type": "string", "description": "only once approved"},
            "body": {"type": "string", "description": "only once approved"},
        },
    },
    "PublicComment": {
        "type": "object",
        "required": ["id", "parent_id", "author_name", "body", "created_at", "replies"],
        "properties": {
            "id": {"type": "integer"},
            "parent_id": {"type": ["integer", "null"]},
            "author_name": _STR,
            "body": _STR,
            "created_at": _TIME,
            "replies": {"type": "array", "items": _ref("PublicComment")},
        },
    },
    "ThreadComments": {
        "type": "object",
        "required": ["site", "thread", "count", "comments", "next_cursor"],
        "properties": {
            "site": _STR,
            "thread": {
                "type": "object",
                "required": ["key", "title", "url"],
                "properties": {"key": _STR, "title": _NULLABLE_STR, "url": _NULLABLE_STR},
            },
            "count": {"type": "integer", "description": "approved comments in the thread"},
            "comments": {"type": "array", "items": _ref("PublicComment")},
            "next_cursor": _NULLABLE_STR,
        },
    },
    "AnalyzeRequest": {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {"text": {"type": "string", "description": "at most the body limit"}},
    },
    "Reason": {
        "type": "object",
        "required": ["label", "code", "text", "start", "end", "weight"],
        "properties": {
            "label": _STR,
            "code": _STR,
            "text": {"type": "string", "description": "the span, text[start:end]"},
            "start": _INT,
            "end": _INT,
            "weight": {"type": "number"},
        },
    },
    "Analysis": {
        "type": "object",
        "required": ["spam", "toxicity", "labels", "reasons"],
        "properties": {
            "spam": _PROBABILITY,
            "toxicity": _PROBABILITY,
            "labels": {"type": "object", "additionalProperties": _PROBABILITY},
            "reasons": {"type": "array", "items": _ref("Reason")},
        },
    },
    "QueueComment": {
        "type": "object",
        "required": [
            "id",
            "site",
            "thread",
            "author_name",
            "body",
            "status",
            "scores",
            "reason_codes",
            "explanation",
            "created_at",
        ],
        "properties": {
            "id": _INT,
            "site": _STR,
            "thread": _STR,
            "parent_id": {"type": ["integer", "null"]},
            "author_name": _STR,
            "body": _STR,
            "status": {"enum": ["pending", "approved", "held", "rejected", "spam"]},
            "scores": {"type": "object", "additionalProperties": _PROBABILITY},
            "reason_codes": {"type": "array", "items": _STR},
            "explanation": {"type": "array", "items": _ref("Reason")},
            "model_version": _NULLABLE_STR,
            "created_at": _TIME,
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ModerationQueue": {
        "type": "object",
        "required": ["comments", "next_cursor"],
        "properties": {
            "comments": {"type": "array", "items": _ref("QueueComment")},
            "next_cursor": _NULLABLE_STR,
        },
    },
    "Decision": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"enum": ["approve", "reject", "spam", "hold", "undo", "redo"]},
            "reason": {
                "type": "string",
                "maxLength": 500,
                "description": "a reject reason code such as TOXIC or OFF_TOPIC; "
                "ignored when approving or holding",
            },
        },
    },
    "BulkDecision": {
        "allOf": [_ref("Decision")],
        "type": "object",
        "required": ["ids", "action"],
        "properties": {
            "ids": {"type": "array", "items": _INT, "minItems": 1, "maxItems": 500},
        },
    },
    "DecisionResult": {
        "type": "object",
        "required": ["id", "status", "changed", "message"],
        "properties": {
            "id": _INT,
            "status": {"enum": ["pending", "approved", "held", "rejected", "spam"]},
            "changed": {"type": "boolean"},
            "message": {"type": "string", "description": "why nothing changed, if so"},
        },
    },
    "SiteSettings": {
        "type": "object",
        "required": [
            "slug",
            "name",
            "allowed_origins",
            "thresholds",
            "premoderation",
            "rate_limit_ip",
            "rate_limit_site",
            "blocked_words",
            "blocked_domains",
            "allowed_domains",
            "scoring_failure",
        ],
        "properties": {"slug": _STR, **_SITE_SETTINGS},
    },
    "SiteSettingsChange": {
        "type": "object",
        "additionalProperties": False,
        "description": "the settings to change; those left out stay as they are. Lists and "
        "thresholds are replaced whole",
        "properties": _SITE_SETTINGS,
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"const": "ok"}},
    },
    "Readiness": {
        "type": "object",
        "required": ["status", "checks"],
        "properties": {
            "status": {"enum": ["ready", "unavailable"]},
            "checks": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {"status": {"enum": ["ok", "error"]}},
                },
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/comments": {
        "post": {
            "summary": "Submit a comment; it is stored as pending and scored in the background",
            "operationId": "submitComment",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewComment")}},
            },
            "responses": {
                "202": _json(
                    _ref("Accepted"),
                    "accepted and awaiting moderation",
                    {"Location": {"description": "the comment's status URL", "schema": _STR}},
                ),
                "400": _error("malformed JSON, or missing or invalid fields (see `fields`)"),
                "404": _error("unknown site"),
                "409": _error(
                    "`duplicate_comment`: the same author posted the same text within "
                    "SIEVE_DUPLICATE_WINDOW seconds"
                ),
                "413": _error("the comment or the request is too large"),
                "415": _error("the body is not application/json"),
                "429": _json(
                    _ref("Error"),
                    "rate limited (per client IP, per site, per author email, or server-wide)",
                    _RETRY_AFTER,
                ),
            },
        }
    },
    "/api/v1/comments/form": {
        "get": {
            "summary": "What a comment form needs: a signed render token and the field limits",
            "operationId": "getCommentForm",
            "parameters": [{"name": "site", "in": "query", "required": True, "schema": _STR}],
            "responses": {
                "200": _json(_ref("CommentForm"), "a fresh render token and the limits"),
                "400": _error("missing site"),
                "404": _error("unknown site"),
            },
        }
    },
    "/api/v1/comments/{comment_id}": {
        "get": {
            "summary": "The public status of one comment",
            "operationId": "getCommentStatus",
            "parameters": [{"name": "comment_id", "in": "path", "required": True, "schema": _INT}],
            "responses": {
                "200": _json(_ref("CommentStatus"), "the comment's public status"),
                "404": _error("unknown comment"),
            },
        }
    },
    "/api/v1/threads/comments": {
        "get": {
            "summary": "Approved comments of a thread, oldest first, replies nested",
            "operationId": "listThreadComments",
            "parameters": [
                {"name": "site", "in": "query", "required": True, "schema": _STR},
                {"name": "thread", "in": "query", "required": True, "schema": _STR},
                *_PAGE,
            ],
            "responses": {
                "200": _json(_ref("ThreadComments"), "one page of top-level comments"),
                "400": _error("missing or invalid parameters"),
                "404": _error("unknown site"),
            },
        }
    },
    "/api/v1/analyze": {
        "post": {
            "summary": "Score a text for spam and toxicity; nothing is stored",
            "operationId": "analyzeText",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("AnalyzeRequest")}},
            },
            "responses": {
                "200": _json(_ref("Analysis"), "scores and the spans that raised them"),
                "400": _error("malformed JSON or a missing text"),
                "413": _error("the text is too long"),
                "415": _error("the body is not application/json"),
                "429": _json(_ref("Error"), "rate limited", _RETRY_AFTER),
            },
        }
    },
    "/api/v1/moderation/queue": {
        "get": {
            "summary": "A page of a moderation queue (sites the token's moderator moderates)",
            "operationId": "moderationQueue",
            "security": [{"token": []}],
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {
                        "enum": ["held", "pending", "approved", "rejected", "spam", "all"],
                        "default": "held",
                    },
                },
                {"name": "site", "in": "query", "schema": _STR},
                {
                    "name": "sort",
                    "in": "query",
                    "schema": {"enum": ["oldest", "newest", "priority"], "default": "oldest"},
                },
                *_PAGE,
            ],
            "responses": {
                "200": _json(_ref("ModerationQueue"), "one page, oldest first by default"),
                "400": _error("invalid parameters"),
                "401": _error("no token, or an unknown or revoked one"),
                "403": _error("the site is not one this moderator moderates"),
                "404": _error("unknown site"),
            },
        }
    },
    "/api/v1/moderation/comments/{comment_id}/decision": {
        "post": {
            "summary": "Approve, reject, mark as spam, hold, undo or redo one comment",
            "operationId": "decideComment",
            "security": [{"token": []}],
            "parameters": [{"name": "comment_id", "in": "path", "required": True, "schema": _INT}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Decision")}},
            },
            "responses": {
                "200": _json(_ref("DecisionResult"), "the comment's status afterwards"),
                "400": _error("unknown action or bad reason"),
                "401": _error("no token, or an unknown or revoked one"),
                "403": _error("the comment's site is not one this moderator moderates"),
                "404": _error("unknown comment"),
                "415": _error("the body is not application/json"),
            },
        }
    },
    "/api/v1/moderation/decisions": {
        "post": {
            "summary": "Apply one action to many comments",
            "operationId": "decideComments",
            "security": [{"token": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("BulkDecision")}},
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["results"],
                        "properties": {
                            "results": {"type": "array", "items": _ref("DecisionResult")}
                        },
                    },
                    "each comment's status afterwards",
                ),
                "400": _error("unknown action, bad reason or bad ids"),
                "401": _error("no token, or an unknown or revoked one"),
                "403": _error("a comment's site is not one this moderator moderates"),
                "404": _error("an unknown comment"),
                "415": _error("the body is not application/json"),
            },
        }
    },
    "/api/v1/sites/{slug}": {
        "get": {
            "summary": "A site's settings (admins)",
            "operationId": "getSite",
            "security": [{"token": []}],
            "parameters": [_SLUG],
            "responses": {
                "200": _json(_ref("SiteSettings"), "the site's settings"),
                "401": _error("no token, or an unknown or revoked one"),
                "403": _error("the token's moderator is not an admin"),
                "404": _error("unknown site"),
            },
        },
        "patch": {
            "summary": "Change some of a site's settings (admins); all or nothing",
            "operationId": "updateSite",
            "security": [{"token": []}],
            "parameters": [_SLUG],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("SiteSettingsChange")}},
            },
            "responses": {
                "200": _json(_ref("SiteSettings"), "the site's settings afterwards"),
                "400": _error("malformed JSON, or invalid settings (see `fields`)"),
                "401": _error("no token, or an unknown or revoked one"),
                "403": _error("the token's moderator is not an admin"),
                "404": _error("unknown site"),
                "415": _error("the body is not application/json"),
            },
        },
    },
    "/api/v1/sites/{slug}/export": {
        "get": {
            "summary": "Every comment of a site, streamed (admins); the same as `sieve export`",
            "operationId": "exportSite",
            "security": [{"token": []}],
            "parameters": [
                _SLUG,
                {
                    "name": "format",
                    "in": "query",
                    "schema": {"enum": ["json", "csv"], "default": "json"},
                },
                {
                    "name": "include_private",
                    "in": "query",
                    "schema": {"enum": ["true", "false"], "default": "false"},
                    "description": "add the keyed e-mail and IP hashes",
                },
            ],
            "responses": {
                "200": {
                    "description": "JSON Lines (a header line, then a line per thread and per "
                    "comment; `sieve import json` reads it) or CSV (a row per comment)",
                    "content": {
                        "application/x-ndjson": {"schema": _STR},
                        "text/csv": {"schema": _STR},
                    },
                },
                "400": _error("an unknown format or include_private value (see `fields`)"),
                "401": _error("no token, or an unknown or revoked one"),
                "403": _error("the token's moderator is not an admin"),
                "404": _error("unknown site"),
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "getOpenApi",
            "responses": {"200": _json({"type": "object"}, "the OpenAPI document")},
        }
    },
    "/healthz": {
        "get": {
            "summary": "Liveness: the process answers",
            "operationId": "healthz",
            "responses": {"200": _json(_ref("Health"), "alive")},
        }
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: database and Redis reachable, model loaded",
            "operationId": "readyz",
            "responses": {
                "200": _json(_ref("Readiness"), "ready"),
                "503": _json(_ref("Readiness"), "a dependency is down"),
            },
        }
    },
}

for _part in (openapi_compat, openapi_learning, openapi_webhooks):
    PATHS.update(_part.PATHS)
    SCHEMAS.update(_part.SCHEMAS)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Sieve",
        "version": "1",
        "description": "Self-hosted comment moderation. Errors of Sieve's own API have the "
        'shape `{"error": {"code", "message", "fields"?}}`; the Perspective-compatible '
        "(`/v1alpha1/...`) and Akismet-compatible (`/1.1/...`, `/1.2/...`) endpoints answer in "
        "their own APIs' formats, errors included.",
    },
    "paths": PATHS,
    "webhooks": openapi_webhooks.WEBHOOKS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "token": {
                "type": "http",
                "scheme": "bearer",
                "description": "a moderator's personal API token (created under /moderate/tokens)",
            }
        },
    },
}


@api.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(DOCUMENT)
