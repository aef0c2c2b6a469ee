"""The Google discovery document of the Perspective-compatible API (``commentanalyzer``
v1alpha1), which google-api-python-client builds its client from::

    discovery.build("commentanalyzer", "v1alpha1", developerKey=KEY, static_discovery=False,
                    discoveryServiceUrl="https://sieve.example/$discovery/rest?version=v1alpha1")

Only what Sieve serves is described; there is no ``auth`` section, so clients send the key alone.
"""

from __future__ import annotations

from typing import Any

VERSION = "v1alpha1"

_STRING = {"type": "string"}
_BOOLEAN = {"type": "boolean"}
_FLOAT = {"type": "number", "format": "float"}
_INT = {"type": "integer", "format": "int32"}
_STRINGS = {"type": "array", "items": _STRING}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": name}


def _object(name: str, description: str, **properties: Any) -> dict[str, Any]:
    return {"id": name, "type": "object", "description": description, "properties": properties}


_COMMON_REQUEST = {
    "comment": _ref("TextEntry"),
    "context": _ref("Context"),
    "languages": {**_STRINGS, "description": "ISO or BCP-47 codes; detected when absent"},
    "clientToken": {**_STRING, "description": "echoed in the response"},
    "sessionId": _STRING,
    "communityId": _STRING,
}
_ATTRIBUTE_MAP = {
    "type": "object",
    "description": "attribute name (TOXICITY, INSULT@v2, ...) to its scores",
    "additionalProperties": _ref("AttributeScores"),
}

SCHEMAS: dict[str, Any] = {
    "TextEntry": _object(
        "TextEntry",
        "A body of text.",
        text=_STRING,
        type={**_STRING, "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT"]},
    ),
    "ArticleAndParentComment": _object(
        "ArticleAndParentComment",
        "The article and the comment a comment replies to.",
        article=_ref("TextEntry"),
        parentComment=_ref("TextEntry"),
    ),
    "Context": _object(
        "Context",
        "What the comment refers to; only one of the fields. Accepted, not used for scoring.",
        entries={"type": "array", "items": _ref("TextEntry")},
        articleAndParentComment=_ref("ArticleAndParentComment"),
    ),
    "AttributeParameters": _object(
        "AttributeParameters",
        "How to score one attribute.",
        scoreType={**_STRING, "enum": ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY"]},
        scoreThreshold={**_FLOAT, "description": "scores below it are left out"},
    ),
    "Score": _object(
        "Score", "A score and its type.", value=_FLOAT, type={**_STRING, "enum": ["PROBABILITY"]}
    ),
    "SpanScore": _object(
        "SpanScore",
        "The score of a span of the text: begin and end count UTF-16 code units, end exclusive.",
        begin=_INT,
        end=_INT,
        score=_ref("Score"),
    ),
    "AttributeScores": _object(
        "AttributeScores",
        "The score of one attribute for the whole text, and of the spans that raised it.",
        summaryScore=_ref("Score"),
        spanScores={"type": "array", "items": _ref("SpanScore")},
    ),
    "AnalyzeCommentRequest": _object(
        "AnalyzeCommentRequest",
        "A comment to score.",
        **_COMMON_REQUEST,
        requestedAttributes={
            "type": "object",
            "description": "attribute name to its parameters (often {})",
            "additionalProperties": _ref("AttributeParameters"),
        },
        doNotStore={**_BOOLEAN, "description": "Sieve never stores an analysed text"},
        spanAnnotations=_BOOLEAN,
        dropUnsupportedAttributes=_BOOLEAN,
    ),
    "AnalyzeCommentResponse": _object(
        "AnalyzeCommentResponse",
        "The requested attributes' scores.",
        attributeScores=_ATTRIBUTE_MAP,
        languages=_STRINGS,
        detectedLanguages=_STRINGS,
        clientToken=_STRING,
    ),
    "SuggestCommentScoreRequest": _object(
        "SuggestCommentScoreRequest",
        "The scores a comment should have had: a labelled example for the key's site.",
        **_COMMON_REQUEST,
        attributeScores=_ATTRIBUTE_MAP,
        doNotStore={**_BOOLEAN, "description": "keep nothing of the text (nor the example)"},
    ),
    "SuggestCommentScoreResponse": _object(
        "SuggestCommentScoreResponse",
        "The suggestion was taken.",
        clientToken=_STRING,
        detectedLanguages=_STRINGS,
        requestedLanguages=_STRINGS,
    ),
}

# Google's standard query parameters: clients send them, Sieve ignores all but the key.
_PARAMETERS = {
    name: {"type": kind, "location": "query"}
    for name, kind in (
        ("key", "string"),
        ("alt", "string"),
        ("fields", "string"),
        ("prettyPrint", "boolean"),
        ("quotaUser", "string"),
        ("callback", "string"),
        ("$.xgafv", "string"),
    )
}


def _method(name: str, description: str, request: str, response: str) -> dict[str, Any]:
    path = f"{VERSION}/comments:{name}"
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "description": description,
        "parameters": {},
        "parameterOrder": [],
        "request": _ref(request),
        "response": _ref(response),
    }


def discovery_document(root_url: str) -> dict[str, Any]:
    """The document for a server whose root URL (with a trailing slash) is ``root_url``."""
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"commentanalyzer:{VERSION}",
        "name": "commentanalyzer",
        "version": VERSION,
        "title": "Sieve's Perspective-compatible Comment Analyzer API",
        "description": "Scores comments with Sieve's classifier, in Perspective's wire format.",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "parameters": _PARAMETERS,
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "Scores a comment for the requested attributes.",
                        "AnalyzeCommentRequest",
                        "AnalyzeCommentResponse",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "Records the scores a comment should have had, for training.",
                        "SuggestCommentScoreRequest",
                        "SuggestCommentScoreResponse",
                    ),
                }
            }
        },
        "schemas": SCHEMAS,
    }
