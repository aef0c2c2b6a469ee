"""The OpenAPI 3.1 description of every endpoint, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from service.api import api

_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_TIME = {"type": "string", "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict | None = None) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

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
            "site": {"type": "string", "maxLength": 64, "description": "site slug"},
            "thread": {"type": "string", "maxLength": 200, "description": "thread key"},
            "body": {"type": "string", "description": "the comment; length limit configurable"},
            "author_name": {"type": "string", "description": "shown with the comment"},
            "author_email": {"type": "string", "format": "email", "description": "never shown"},
            "parent_id": {"type": "integer", "minimum": 1},
            "thread_url": {"type": "string", "format": "uri", "maxLength": 2000},
            "thread_title": {"type": "string", "maxLength": 300},
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
                "413": _error("the comment or the request is too large"),
                "415": _error("the body is not application/json"),
                "429": _json(_ref("Error"), "rate limited", _RETRY_AFTER),
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
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                },
                {"name": "cursor", "in": "query", "schema": _STR},
            ],
            "responses": {
                "200": _json(_ref("ThreadComments"), "one page of top-level comments"),
                "400": _error("missing or invalid parameters"),
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

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Sieve",
        "version": "1",
        "description": "Self-hosted comment moderation. Every error has the shape "
        '`{"error": {"code", "message", "fields"?}}`.',
    },
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


@api.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(DOCUMENT)
