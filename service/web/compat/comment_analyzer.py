"""Perspective's two methods between a parsed body and the answer: allowlisted, typed fields in
(``read_analysis``, ``read_suggestion``); scores, spans and languages out (``analyze_comment``,
``answer_suggestion``). Field names are accepted in lowerCamelCase and snake_case, as Google's
JSON mapping does; errors are raised as ``GoogleError``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.domain.submissions import text_problem
from service.web.compat.attributes import Attribute, find_attribute
from service.web.compat.google_errors import GoogleError, invalid
from service.web.compat.languages import detect_language, unsupported
from service.web.compat.proto_json import (
    bool_field,
    fields_of,
    probability,
    str_field,
    str_list_field,
)

if TYPE_CHECKING:
    from models import Classifier, Reason

# Perspective's limit (clients cut comments at 20,480 characters before sending them).
MAX_TEXT_CHARS = 20_480
_COMMON = {"comment", "context", "languages", "clientToken", "sessionId", "communityId"}
ANALYZE_FIELDS = _COMMON | {
    "requestedAttributes", "doNotStore", "spanAnnotations", "dropUnsupportedAttributes",
}  # fmt: skip
# doNotStore is not in Google's suggestscore, but a client that sends it means it.
SUGGEST_FIELDS = _COMMON | {"attributeScores", "doNotStore"}
_PROBABILITY = "PROBABILITY"


@dataclass(frozen=True, slots=True)
class Requested:
    name: str  # as the client spelt it (INSULT@v2): the key of its score in the answer
    attribute: Attribute
    threshold: float | None


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    requested: tuple[Requested, ...]
    languages: tuple[str, ...]
    spans: bool
    drop_unsupported: bool
    client_token: str | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    names: tuple[str, ...]  # the attributes as the client spelt them
    labels: dict[str, float]  # Sieve's labels, from the attributes that mean them exactly
    languages: tuple[str, ...]
    community_id: str | None
    client_token: str | None
    do_not_store: bool


def read_analysis(payload: Any) -> Analysis:
    fields = fields_of(payload, "", ANALYZE_FIELDS)
    text = _comment_text(fields)
    _check_context(fields)
    asked = fields.get("requestedAttributes")
    if not asked:
        raise invalid("Must request at least one attribute.", "NO_REQUESTED_ATTRIBUTES")
    if not isinstance(asked, dict):
        raise invalid("Invalid value at 'requested_attributes': expected an object.")
    return Analysis(
        text=text,
        requested=tuple(_requested(name, params) for name, params in asked.items()),
        languages=str_list_field(fields, "languages"),
        spans=bool_field(fields, "spanAnnotations"),
        drop_unsupported=bool_field(fields, "dropUnsupportedAttributes"),
        client_token=str_field(fields, "clientToken"),
    )


def read_suggestion(payload: Any) -> Suggestion:
    fields = fields_of(payload, "", SUGGEST_FIELDS)
    text = _comment_text(fields)
    _check_context(fields)
    scores = fields.get("attributeScores")
    if not scores:
        raise invalid("Attribute scores must not be empty.")
    if not isinstance(scores, dict):
        raise invalid("Invalid value at 'attribute_scores': expected an object.")
    labels: dict[str, float] = {}
    for name, entry in scores.items():
        attribute = _attribute(name)
        value = _suggested_value(name, entry)
        if attribute.exact:  # two names of one label (TOXICITY, TOXICITY_EXPERIMENTAL): the higher
            labels[attribute.label] = max(value, labels.get(attribute.label, 0.0))
    return Suggestion(
        text=text,
        names=tuple(scores),
        labels=labels,
        languages=str_list_field(fields, "languages"),
        community_id=str_field(fields, "communityId"),
        client_token=str_field(fields, "clientToken"),
        do_not_store=bool_field(fields, "doNotStore"),
    )


def analyze_comment(
    analysis: Analysis, classifier: Classifier, allowed_domains: Collection[str]
) -> dict[str, Any]:
    """The AnalyzeCommentResponse; links to ``allowed_domains`` (the key's site's) don't count."""
    detected = detect_language(analysis.text)
    languages = list(analysis.languages) or [detected]
    requested = analysis.requested
    if unsupported(languages):
        if not analysis.drop_unsupported:
            raise _language_error(requested[0].name, languages)
        requested = ()  # every attribute reads English only
    body: dict[str, Any] = {}
    if requested:
        scores = _attribute_scores(analysis, requested, classifier, allowed_domains)
        if scores:
            body["attributeScores"] = scores
    body["languages"] = languages
    body["detectedLanguages"] = [detected]
    if analysis.client_token is not None:
        body["clientToken"] = analysis.client_token
    return body


def answer_suggestion(suggestion: Suggestion) -> dict[str, Any]:
    """The SuggestCommentScoreResponse; refuses a language Sieve's model does not read, whose
    examples would only blur what it learns."""
    detected = detect_language(suggestion.text)
    languages = list(suggestion.languages) or [detected]
    if unsupported(languages):
        raise _language_error(suggestion.names[0], languages)
    body: dict[str, Any] = {"detectedLanguages": [detected]}
    if suggestion.languages:
        body["requestedLanguages"] = list(suggestion.languages)
    if suggestion.client_token is not None:
        body["clientToken"] = suggestion.client_token
    return body


def _attribute_scores(
    analysis: Analysis,
    requested: tuple[Requested, ...],
    classifier: Classifier,
    allowed: Collection[str],
) -> dict[str, Any]:
    text = analysis.text
    [judgement] = classifier.score([text], explain=analysis.spans, allowed_domains=[allowed])
    labels = {item.attribute.label for item in requested}
    spans = _span_scores(text, judgement.reasons, labels, classifier, allowed)
    out: dict[str, Any] = {}
    for item in requested:
        value = judgement.labels[item.attribute.label]
        if item.threshold is not None and value < item.threshold:
            continue
        entry: dict[str, Any] = {"summaryScore": _score(value)}
        if analysis.spans:
            whole = {"begin": 0, "end": utf16_offset(text, len(text)), "score": _score(value)}
            entry["spanScores"] = spans.get(item.attribute.label) or [whole]
        out[item.name] = entry
    return out


def _span_scores(
    text: str,
    reasons: tuple[Reason, ...],
    labels: set[str],
    classifier: Classifier,
    allowed: Collection[str],
) -> dict[str, list[dict[str, Any]]]:
    """Per label, the spans Sieve's explanation says raised it, each scored on its own (as
    Perspective scores each sentence on its own); begin and end in UTF-16 code units."""
    wanted = sorted({(r.start, r.end, r.label) for r in reasons if r.label in labels})
    if not wanted:
        return {}
    spans = sorted({(start, end) for start, end, _ in wanted})
    judged = classifier.score(
        [text[start:end] for start, end in spans],
        explain=False,
        allowed_domains=[allowed] * len(spans),
    )
    by_span = dict(zip(spans, judged, strict=True))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start, end, label in wanted:
        out[label].append({
            "begin": utf16_offset(text, start),
            "end": utf16_offset(text, end),
            "score": _score(by_span[start, end].labels[label]),
        })  # fmt: skip
    return out


def utf16_offset(text: str, index: int) -> int:
    """Where Python's ``text[index]`` is in UTF-16 code units: one more for every character
    before it outside the Basic Multilingual Plane (emoji), which takes a surrogate pair."""
    return index + sum(1 for char in text[:index] if ord(char) > 0xFFFF)


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "type": _PROBABILITY}


def _language_error(attribute: str, languages: list[str]) -> GoogleError:
    return invalid(
        f"Attribute {attribute} does not support request languages: {', '.join(languages)}",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        languageNotSupportedByAttributeError={
            "detectedLanguages": languages,
            "attribute": attribute,
        },
    )


def _attribute(name: str) -> Attribute:
    attribute = find_attribute(name)
    if attribute is None:
        raise invalid(f"Unknown requested attribute: {name}")
    return attribute


def _requested(name: str, params: Any) -> Requested:
    attribute = _attribute(name)
    where = f"requested_attributes[{name}]"
    fields = fields_of({} if params is None else params, where, {"scoreType", "scoreThreshold"})
    kind = str_field(fields, "scoreType", where)
    if kind not in (None, _PROBABILITY, "SCORE_TYPE_UNSPECIFIED"):
        raise invalid(f"Unsupported score type {kind} for {name}: only PROBABILITY is.")
    threshold = fields.get("scoreThreshold")
    if threshold is not None:
        threshold = probability(threshold, f"{where}.score_threshold")
    return Requested(name, attribute, threshold)


def _suggested_value(name: str, entry: Any) -> float:
    """The suggested summary score, else the highest span score: a comment with a toxic span
    is a toxic comment."""
    where = f"attribute_scores[{name}]"
    fields = fields_of(entry, where, {"summaryScore", "spanScores"})
    summary = fields.get("summaryScore")
    if summary is not None:
        return _score_value(summary, f"{where}.summary_score")
    spans = fields.get("spanScores") or []
    if not isinstance(spans, list):
        raise invalid(f"Invalid value at '{where}.span_scores': expected a list.")
    values = []
    for index, span in enumerate(spans):
        at = f"{where}.span_scores[{index}]"
        span_fields = fields_of(span, at, {"begin", "end", "score"})
        for bound in ("begin", "end"):
            if not isinstance(span_fields.get(bound), int) or isinstance(span_fields[bound], bool):
                raise invalid(f"Invalid value at '{at}.{bound}': span scores need begin and end.")
        values.append(_score_value(span_fields.get("score"), f"{at}.score"))
    if not values:
        raise invalid(f"The scores of {name} must not be empty.")
    return max(values)


def _score_value(score: Any, where: str) -> float:
    fields = fields_of(score, where, {"value", "type"})
    kind = str_field(fields, "type", where)
    if kind not in (None, _PROBABILITY, "SCORE_TYPE_UNSPECIFIED"):
        raise invalid(f"Unsupported score type {kind} at '{where}': only PROBABILITY is.")
    return probability(fields.get("value"), f"{where}.value")


def _comment_text(fields: dict[str, Any]) -> str:
    comment = fields_of(fields.get("comment") or {}, "comment", {"text", "type"})
    kind = str_field(comment, "type", "comment")
    if kind not in (None, "PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"):
        raise invalid(f"Comment type {kind} is not supported: send PLAIN_TEXT.")
    text = str_field(comment, "text", "comment") or ""
    if not text.strip():
        raise invalid("Comment must be non-empty.", "COMMENT_EMPTY")
    if len(text) > MAX_TEXT_CHARS:
        raise invalid("Comment text too long.", "COMMENT_TOO_LONG")
    if problem := text_problem(text):
        raise invalid(f"Invalid value at 'comment.text': {problem}.")
    return text


def _check_context(fields: dict[str, Any]) -> None:
    """The context is checked, as Perspective does, and not used: Sieve scores the text alone."""
    if fields.get("context") is None:
        return
    context = fields_of(fields["context"], "context", {"entries", "articleAndParentComment"})
    if context.get("entries") is not None and context.get("articleAndParentComment") is not None:
        raise invalid("Context may hold entries or articleAndParentComment, not both.")
    entries = context.get("entries") or []
    if not isinstance(entries, list):
        raise invalid("Invalid value at 'context.entries': expected a list.")
    for index, entry in enumerate(entries):
        _text_entry(entry, f"context.entries[{index}]")
    parents = fields_of(
        context.get("articleAndParentComment") or {}, "context", {"article", "parentComment"}
    )
    for name, entry in parents.items():
        if entry is not None:
            _text_entry(entry, f"context.article_and_parent_comment.{name}")


def _text_entry(entry: Any, where: str) -> None:
    fields = fields_of(entry, where, {"text", "type"})
    str_field(fields, "text", where)
    str_field(fields, "type", where)
