"""The OpenAPI description of the learning loop's endpoints (``service.web.api.learning``):
a site's tuned thresholds, the models in use and their comparison."""

from __future__ import annotations

from typing import Any

from service.web.api.spec import INT, NULLABLE_STR, PROBABILITY, SLUG, STR, TIME, error, ref
from service.web.api.spec import json_response as json

_COUNT = {"type": "integer", "minimum": 0}
_NULLABLE_INT = {"type": ["integer", "null"]}
_RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
_SINCE = {
    "name": "since",
    "in": "query",
    "description": "only decisions (or comments) from this date on, UTC",
    "schema": {"type": "string", "format": "date"},
}
_ADMIN_ERRORS = {
    "400": error("a malformed parameter (see `fields`)"),
    "401": error("no token, or an unknown or revoked one"),
    "403": error("the token's moderator is not an admin"),
}

SCHEMAS: dict[str, Any] = {
    "ThresholdOutcome": {
        "type": "object",
        "description": "one pair of thresholds replayed on the site's moderator-decided comments",
        "required": [
            "approve_below",
            "reject_above",
            "approved",
            "held",
            "rejected",
            "wrongly_rejected",
            "wrongly_approved",
            "held_for_nothing",
            "caught",
            "errors",
        ],
        "properties": {
            "approve_below": PROBABILITY,
            "reject_above": PROBABILITY,
            "approved": _COUNT,
            "held": _COUNT,
            "rejected": _COUNT,
            "wrongly_rejected": {**_COUNT, "description": "rejected; a moderator approved it"},
            "wrongly_approved": {**_COUNT, "description": "approved; a moderator refused it"},
            "held_for_nothing": {**_COUNT, "description": "held; a moderator approved it"},
            "caught": {**_COUNT, "description": "refused by a moderator, and held or rejected"},
            "errors": {
                **_COUNT,
                "description": "wrong automatic decisions: wrongly rejected plus wrongly approved",
            },
        },
    },
    "LabelTuning": {
        "type": "object",
        "required": [
            "label",
            "labelled",
            "harmful",
            "current",
            "recommended",
            "errors_current",
            "errors_recommended",
            "note",
            "curve",
        ],
        "properties": {
            "label": {"enum": ["spam", "toxicity"]},
            "labelled": {
                **_COUNT,
                "description": "moderator-decided comments that say something of this label",
            },
            "harmful": {**_COUNT, "description": "of those, refused for this label"},
            "current": ref("ThresholdOutcome"),
            "recommended": {
                "oneOf": [ref("ThresholdOutcome"), {"type": "null"}],
                "description": "null below 50 decided comments or 10 refused ones, or when no "
                "pair meets the tolerance (`note` says which)",
            },
            "errors_current": INT,
            "errors_recommended": _NULLABLE_INT,
            "note": {
                **STR,
                "description": "how far to trust the recommendation, or why there is none",
            },
            "curve": {
                "type": "array",
                "description": "against each threshold, the error rates the settings page draws",
                "items": {
                    "type": "object",
                    "required": ["threshold", "good_at_or_above", "refused_below"],
                    "properties": {
                        "threshold": PROBABILITY,
                        "good_at_or_above": PROBABILITY,
                        "refused_below": PROBABILITY,
                    },
                },
            },
        },
    },
    "SiteTuning": {
        "type": "object",
        "required": ["site", "since", "labels", "applied"],
        "properties": {
            "site": STR,
            "since": {"type": ["string", "null"], "format": "date-time"},
            "labels": {"type": "array", "items": ref("LabelTuning")},
            "applied": {
                "type": "array",
                "items": STR,
                "description": "labels whose recommended thresholds were set (POST only)",
            },
        },
    },
    "ModelsInUse": {
        "type": "object",
        "required": ["live", "shadow", "workers", "history"],
        "properties": {
            "live": {
                "type": "object",
                "required": ["version", "path"],
                "properties": {"version": STR, "path": STR},
            },
            "shadow": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["version", "path"],
                        "properties": {"version": STR, "path": STR},
                    },
                    {"type": "null"},
                ],
            },
            "workers": {
                "type": "array",
                "description": "what each worker last said it has loaded",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": STR,
                        "live": NULLABLE_STR,
                        "shadow": NULLABLE_STR,
                        "problem": NULLABLE_STR,
                    },
                },
            },
            "history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["role", "version", "path", "by", "at"],
                    "properties": {
                        "role": {"enum": ["live", "shadow"]},
                        "version": NULLABLE_STR,
                        "path": NULLABLE_STR,
                        "by": STR,
                        "at": TIME,
                    },
                },
            },
        },
    },
    "ModelErrors": {
        "type": "object",
        "description": "one model's decisions against the moderators' on the comments they "
        "decided; rates are null where nothing measures them",
        "properties": {
            "good": _COUNT,
            "refused": _COUNT,
            "wrongly_rejected": _COUNT,
            "wrongly_approved": _COUNT,
            "held_for_nothing": _COUNT,
            "errors": _COUNT,
            "wrongly_rejected_rate": _RATE,
            "wrongly_approved_rate": _RATE,
            "held_for_nothing_rate": _RATE,
        },
    },
    "ComparisonPart": {
        "type": "object",
        "required": [
            "count",
            "agreement",
            "decided_differently",
            "matrix",
            "moderated",
            "live",
            "candidate",
        ],
        "properties": {
            "count": {**_COUNT, "description": "comments both models scored"},
            "agreement": {
                **_RATE,
                "description": "the share both would decide the same way "
                "(approve, hold, reject) at the site's thresholds",
            },
            "decided_differently": _COUNT,
            "matrix": {
                "type": "object",
                "description": "live decision -> candidate decision -> comments",
                "additionalProperties": {"type": "object", "additionalProperties": _COUNT},
            },
            "moderated": {**_COUNT, "description": "of those, decided by a moderator"},
            "live": ref("ModelErrors"),
            "candidate": ref("ModelErrors"),
        },
    },
}
SCHEMAS["Comparison"] = {
    "allOf": [
        ref("ComparisonPart"),
        {
            "type": "object",
            "required": ["candidate_version", "live_versions", "since", "sites"],
            "properties": {
                "candidate_version": NULLABLE_STR,
                "live_versions": {"type": "array", "items": STR},
                "since": {"type": ["string", "null"], "format": "date-time"},
                "sites": {"type": "object", "additionalProperties": ref("ComparisonPart")},
            },
        },
    ]
}

PATHS: dict[str, Any] = {
    "/api/v1/sites/{slug}/tuning": {
        "get": {
            "summary": "Thresholds recommended from the site's own moderator decisions (admins)",
            "operationId": "getSiteTuning",
            "security": [{"token": []}],
            "parameters": [SLUG, _SINCE],
            "responses": {
                "200": json(ref("SiteTuning"), "per label: current and recommended thresholds"),
                **_ADMIN_ERRORS,
                "404": error("unknown site"),
            },
        },
        "post": {
            "summary": "Set the recommended thresholds (admins); audited with before and after",
            "operationId": "applySiteTuning",
            "security": [{"token": []}],
            "parameters": [SLUG, _SINCE],
            "responses": {
                "200": json(ref("SiteTuning"), "what was recommended, and which were applied"),
                **_ADMIN_ERRORS,
                "404": error("unknown site"),
            },
        },
    },
    "/api/v1/models": {
        "get": {
            "summary": "The live and shadow models and what each worker runs (admins)",
            "operationId": "getModels",
            "security": [{"token": []}],
            "responses": {"200": json(ref("ModelsInUse"), "the models in use"), **_ADMIN_ERRORS},
        }
    },
    "/api/v1/models/comparison": {
        "get": {
            "summary": "The live model against the shadow candidate on comments both scored",
            "operationId": "compareModels",
            "security": [{"token": []}],
            "parameters": [
                {"name": "site", "in": "query", "schema": STR, "description": "one site only"},
                {
                    "name": "model",
                    "in": "query",
                    "schema": STR,
                    "description": "the candidate's version (default: the shadow one)",
                },
                _SINCE,
            ],
            "responses": {
                "200": json(ref("Comparison"), "overall and per site"),
                **_ADMIN_ERRORS,
                "404": error("unknown site"),
            },
        }
    },
}
