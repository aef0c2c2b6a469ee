"""The OpenAPI description of the Akismet- and Perspective-compatible APIs, in their own
wire formats (merged into the document by ``service.web.api.openapi``)."""

from __future__ import annotations

from typing import Any

from service.web.api.spec import INT as _INT
from service.web.api.spec import PROBABILITY as _PROBABILITY
from service.web.api.spec import RETRY_AFTER as _RETRY_AFTER
from service.web.api.spec import STR as _STR
from service.web.api.spec import json_response as _json
from service.web.api.spec import ref as _ref

PATHS: dict[str, Any] = {}
SCHEMAS: dict[str, Any] = {}

# --- The Akismet-compatible API (service.web.compat.akismet) ---------------------------------
# Akismet's wire format: form-encoded (or JSON) fields in, plain text out. The site key goes in
# `api_key`, `key`, or the first label of the Host (`<key>.akismet.sieve.example`).
_AKISMET_KEY = {
    "api_key": {"type": "string", "description": "a site key (`sieve keys create --site SLUG`)"},
    "key": {"type": "string", "description": "the key, as older clients name it"},
}
_AKISMET_TEXT_FIELDS = (
    "user_agent", "referrer", "permalink", "comment_type", "comment_author",
    "comment_author_email", "comment_author_url", "comment_content", "comment_date_gmt",
    "comment_post_modified_gmt", "blog_lang", "blog_charset", "recheck_reason",
)  # fmt: skip
_AKISMET_COMMENT_FIELDS: dict[str, Any] = {
    **_AKISMET_KEY,
    "blog": {"type": "string", "description": "the client's home URL; not checked"},
    "user_ip": {"type": "string", "description": "required by comment-check"},
    **dict.fromkeys(_AKISMET_TEXT_FIELDS, _STR),
    "user_role": {"type": "string", "description": "`administrator`: never spam"},
    "is_test": {
        "type": ["string", "boolean"],
        "description": "`1` or `true`: not kept as a labelled example, not counted as feedback",
    },
    "honeypot_field_name": {
        "type": "string",
        "description": "names another field of the request: filled in, the comment is spam",
    },
}
SCHEMAS["AkismetComment"] = {
    "type": "object",
    "description": "Akismet's comment fields; any others (WordPress sends its server "
    "environment) are ignored",
    "properties": _AKISMET_COMMENT_FIELDS,
}
SCHEMAS["AkismetUsageLimit"] = {
    "type": "object",
    "required": ["limit", "usage", "percentage", "throttled"],
    "properties": {
        "limit": {"const": "none", "description": "no monthly quota (the limit is a rate)"},
        "usage": {"type": "integer", "description": "this month's comment-checks with the key"},
        "percentage": {"type": "string"},
        "throttled": {"type": "boolean"},
    },
}
_AKISMET_COUNT = {"type": "string", "pattern": "^[0-9]+$"}
_AKISMET_COUNTS = ("api_calls", "spam", "ham", "missed_spam", "false_positives")
SCHEMAS["AkismetKeySites"] = {
    "type": "object",
    "description": "the month asked for (YYYY-MM) -> the key's site, when the key was used then",
    "required": ["limit", "offset", "total"],
    "properties": {"limit": _INT, "offset": _INT, "total": _INT},
    "patternProperties": {
        "^[0-9]{4}-[0-9]{2}$": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["site", *_AKISMET_COUNTS, "is_revoked"],
                "properties": {
                    "site": {"type": "string", "description": "the site's slug"},
                    **dict.fromkeys(_AKISMET_COUNTS, _AKISMET_COUNT),
                    "is_revoked": {"type": "boolean"},
                },
            },
        }
    },
}


def _akismet_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema},
            "application/json": {"schema": schema},
        }
    }


def _akismet_text(description: str, values: list[str] | None = None, **headers: str) -> dict:
    schema: dict[str, Any] = {"type": "string"}
    if values:
        schema["enum"] = values
    response: dict[str, Any] = {
        "description": description,
        "content": {"text/plain": {"schema": schema}},
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": _STR} for name, text in headers.items()
        }
    return response


_AKISMET_INVALID = "`invalid`: no live key, or a required field missing"
_AKISMET_LIMITED = _akismet_text(
    "too many calls with this key (SIEVE_RATE_LIMIT_KEY)",
    **{"X-akismet-error": "the reason", "Retry-After": "seconds to wait"},
)
_AKISMET_KEY_SITES_QUERY = {
    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
    "filter": {"type": "string", "description": "part of the site's slug"},
    "format": {"enum": ["json", "csv"]},
    "order": {"enum": ["total", "spam", "ham", "missed_spam", "false_positives"]},
    "limit": {"type": "integer", "minimum": 0, "default": 500},
    "offset": {"type": "integer", "minimum": 0, "default": 0},
}


def _akismet_submit(spam: bool) -> dict[str, Any]:
    what = "spam Sieve let through" if spam else "a comment Sieve wrongly called spam"
    return {
        "post": {
            "summary": f"Report {what}: a labelled example for the site's learning loop",
            "operationId": "akismetSubmitSpam" if spam else "akismetSubmitHam",
            "requestBody": _akismet_body(_ref("AkismetComment")),
            "responses": {
                "200": _akismet_text(
                    "thanks (exactly this string), or `invalid`",
                    ["Thanks for making the web a better place.", "invalid"],
                ),
                "429": _AKISMET_LIMITED,
            },
        }
    }


def _akismet_report(summary: str, operation: str, schema: str, **query: Any) -> dict:
    """A 1.2 report, asked with GET (query) or POST (form or JSON) alike."""
    fields = {**_AKISMET_KEY, **query}
    ok: dict[str, Any] = {
        "description": "the report, or `invalid` (plain text) for a bad key",
        "content": {
            "application/json": {"schema": _ref(schema)},
            "text/plain": {"schema": {"enum": ["invalid"]}},
        },
    }
    responses: dict[str, Any] = {"200": ok, "429": _AKISMET_LIMITED}
    if "format" in query:
        ok["content"]["text/csv"] = {"schema": _STR}
        responses["400"] = _akismet_text("a parameter Sieve cannot read")
    parameters = [{"name": name, "in": "query", "schema": s} for name, s in fields.items()]
    return {
        "get": {
            "summary": summary,
            "operationId": f"{operation}Get",
            "parameters": parameters,
            "responses": responses,
        },
        "post": {
            "summary": summary,
            "operationId": f"{operation}Post",
            "requestBody": _akismet_body({"type": "object", "properties": fields}),
            "responses": responses,
        },
    }


_AKISMET_PATHS: dict[str, Any] = {
    "/1.1/verify-key": {
        "post": {
            "summary": "Check a site key",
            "operationId": "akismetVerifyKey",
            "requestBody": _akismet_body({"type": "object", "properties": _AKISMET_KEY}),
            "responses": {
                "200": _akismet_text(
                    "`valid`, or `invalid` with X-akismet-debug-help",
                    ["valid", "invalid"],
                    **{"X-akismet-debug-help": "why the key was refused (only then)"},
                ),
                "429": _AKISMET_LIMITED,
            },
        }
    },
    "/1.1/comment-check": {
        "post": {
            "summary": "Spam or not, judged now with the classifier and the key's site policy",
            "operationId": "akismetCommentCheck",
            "requestBody": _akismet_body(_ref("AkismetComment")),
            "responses": {
                "200": _akismet_text(
                    f"`true` (spam), `false` (not spam), or {_AKISMET_INVALID}",
                    ["true", "false", "invalid"],
                    **{
                        "X-akismet-guid": "this check's id",
                        "X-akismet-pro-tip": "`discard`: spam above the site's reject "
                        "threshold, or blocked by its word and domain lists",
                        "X-akismet-debug-help": "why the answer is `invalid` (only then)",
                    },
                ),
                "429": _AKISMET_LIMITED,
            },
        }
    },
    "/1.1/submit-spam": _akismet_submit(spam=True),
    "/1.1/submit-ham": _akismet_submit(spam=False),
    "/1.2/usage-limit": _akismet_report(
        "This month's comment-checks with the key", "akismetUsageLimit", "AkismetUsageLimit"
    ),
    "/1.2/key-sites": _akismet_report(
        "The key's site and its counts for a month",
        "akismetKeySites",
        "AkismetKeySites",
        **_AKISMET_KEY_SITES_QUERY,
    ),
}
PATHS.update(_AKISMET_PATHS)
# --- end of the Akismet-compatible API --------------------------------------------------------

# --- The Perspective-compatible API (service.web.compat.perspective) ------------------------
# Google's wire format (commentanalyzer v1alpha1); its errors have Google's shape, not Sieve's.
_GOOGLE_SCORE = {
    "type": "object",
    "required": ["value"],
    "properties": {"value": _PROBABILITY, "type": {"const": "PROBABILITY"}},
}
_GOOGLE_TEXT = {
    "type": "object",
    "properties": {"text": _STR, "type": {"enum": ["PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"]}},
}
_GOOGLE_SCORES = {
    "type": "object",
    "description": "attribute name, as sent (TOXICITY, INSULT@v2, ...) -> its scores",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "summaryScore": _GOOGLE_SCORE,
            "spanScores": {
                "type": "array",
                "description": "the spans that raised the score, each scored alone; begin and "
                "end count UTF-16 code units, end exclusive",
                "items": {
                    "type": "object",
                    "required": ["begin", "end", "score"],
                    "properties": {"begin": _INT, "end": _INT, "score": _GOOGLE_SCORE},
                },
            },
        },
    },
}
_GOOGLE_COMMON = {
    "comment": {**_GOOGLE_TEXT, "description": "at most 20,480 characters, plain text"},
    "context": {"type": "object", "description": "accepted and checked, not used"},
    "languages": {
        "type": "array",
        "items": _STR,
        "description": "detected when absent; Sieve's model reads English only",
    },
    "clientToken": _STR,
    "sessionId": _STR,
    "communityId": _STR,
    "doNotStore": {"type": "boolean"},
}
SCHEMAS["PerspectiveAnalyzeRequest"] = {
    "type": "object",
    "description": "keys in lowerCamelCase or snake_case; unquoted keys, single quotes and "
    "trailing commas are accepted too",
    "required": ["comment", "requestedAttributes"],
    "properties": {
        **_GOOGLE_COMMON,
        "requestedAttributes": {
            "type": "object",
            "minProperties": 1,
            "description": "TOXICITY, SEVERE_TOXICITY, IDENTITY_ATTACK, INSULT, PROFANITY, "
            "THREAT, SPAM, OBSCENE, their *_EXPERIMENTAL and @VERSION forms, and the "
            "experimental and NYT attributes (answered with the nearest Sieve label)",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "scoreType": {"enum": ["PROBABILITY", "SCORE_TYPE_UNSPECIFIED"]},
                    "scoreThreshold": _PROBABILITY,
                },
            },
        },
        "spanAnnotations": {"type": "boolean"},
        "dropUnsupportedAttributes": {"type": "boolean"},
    },
}
SCHEMAS["PerspectiveAnalyzeResponse"] = {
    "type": "object",
    "required": ["languages", "detectedLanguages"],
    "properties": {
        "attributeScores": _GOOGLE_SCORES,
        "languages": {"type": "array", "items": _STR},
        "detectedLanguages": {"type": "array", "items": _STR},
        "clientToken": _STR,
    },
}
SCHEMAS["PerspectiveSuggestRequest"] = {
    "type": "object",
    "required": ["comment", "attributeScores"],
    "properties": {**_GOOGLE_COMMON, "attributeScores": {**_GOOGLE_SCORES, "minProperties": 1}},
}
SCHEMAS["PerspectiveSuggestResponse"] = {
    "type": "object",
    "properties": {
        "clientToken": _STR,
        "detectedLanguages": {"type": "array", "items": _STR},
        "requestedLanguages": {"type": "array", "items": _STR},
    },
}
SCHEMAS["GoogleError"] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status"],
            "properties": {
                "code": _INT,
                "message": _STR,
                "status": _STR,
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["@type"],
                        "properties": {
                            "@type": _STR,
                            "errorType": {
                                "type": "string",
                                "description": "COMMENT_EMPTY, COMMENT_TOO_LONG, "
                                "NO_REQUESTED_ATTRIBUTES, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE "
                                "or INVALID_REQUEST",
                            },
                            "reason": {
                                "type": "string",
                                "description": "API_KEY_INVALID, RATE_LIMIT_EXCEEDED",
                            },
                        },
                    },
                },
            },
        }
    },
}


def _google_error(description: str) -> dict:
    return _json(_ref("GoogleError"), description)


def _perspective_method(name: str, summary: str, request: str, response: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "operationId": f"perspective{name.capitalize()}",
            "parameters": [
                {
                    "name": "key",
                    "in": "query",
                    "required": True,
                    "schema": _STR,
                    "description": "a site key (`sieve keys create --site SLUG`); Google's other "
                    "standard parameters (alt, prettyPrint, ...) are ignored",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(request)}},
            },
            "responses": {
                "200": _json(_ref(response), "the answer"),
                "400": _google_error(
                    "a bad key (API_KEY_INVALID), bad input, an unknown attribute, a text too "
                    "long or empty, or a language Sieve does not read"
                ),
                "403": _google_error("no key"),
                "429": _json(
                    _ref("GoogleError"),
                    "RESOURCE_EXHAUSTED: the key's rate limit (SIEVE_RATE_LIMIT_KEY)",
                    _RETRY_AFTER,
                ),
            },
        }
    }


PATHS.update({
    "/v1alpha1/comments:analyze": _perspective_method(
        "analyze",
        "Perspective's analyze: scores for the requested attributes, now; no text is stored",
        "PerspectiveAnalyzeRequest",
        "PerspectiveAnalyzeResponse",
    ),
    "/v1alpha1/comments:suggestscore": _perspective_method(
        "suggestscore",
        "Perspective's suggestscore: the scores a comment should have had, kept as a labelled "
        "example for the key's site (not with doNotStore)",
        "PerspectiveSuggestRequest",
        "PerspectiveSuggestResponse",
    ),
    "/$discovery/rest": {
        "get": {
            "summary": "The Google discovery document google-api-python-client builds from",
            "operationId": "perspectiveDiscovery",
            "parameters": [
                {"name": "version", "in": "query", "schema": {"const": "v1alpha1"}},
            ],
            "responses": {
                "200": _json({"type": "object"}, "the discovery document"),
                "404": _google_error("another version"),
            },
        }
    },
})  # fmt: skip
# --- end of the Perspective-compatible API ----------------------------------------------------
