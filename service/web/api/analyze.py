"""Scoring a text without storing anything: for integrations and the widget's pre-submit nudge."""

from __future__ import annotations

from flask import Response, jsonify

from service.domain.privacy import ip_hash
from service.domain.refusals import ApiError
from service.domain.submissions import clean_text, text_problem
from service.pipeline.classifier import classifier_holder
from service.web.api import api
from service.web.api.requests import json_body, settings
from service.web.limits import client_ip, limiter


def _analyze_key() -> str:
    hashed = ip_hash(settings().secret_key, client_ip())
    return f"{settings().rate_limit_key_prefix}:analyze:{hashed}"


@api.post("/analyze")
@limiter.limit(lambda: settings().rate_limit_analyze, key_func=_analyze_key, scope="analyze")
def analyze() -> Response:
    text = _text_field(json_body())
    [judgement] = classifier_holder().load().score([clean_text(text)])
    return jsonify(judgement.to_dict())


def _text_field(payload: object) -> str:
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "the request body must be a JSON object")
    errors = {name: "is not a known field" for name in payload if name != "text"}
    text = payload.get("text")
    if text is None or (isinstance(text, str) and not text.strip()):
        errors["text"] = "is required"
    elif not isinstance(text, str):
        errors["text"] = "must be a string"
    elif problem := text_problem(text):
        errors["text"] = problem
    if errors:
        raise ApiError(400, "invalid_fields", "some fields are missing or invalid", errors)
    limit = settings().max_body_chars
    if len(text) > limit:
        raise ApiError(
            413,
            "body_too_long",
            f"the text is longer than {limit} characters",
            {"text": f"must be at most {limit} characters"},
        )
    return text
