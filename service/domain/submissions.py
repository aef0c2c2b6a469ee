"""Allowlisted, typed, normalised fields of a comment submission."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from service.domain.refusals import ApiError
from service.settings import Settings

# C0/C1 controls (except tab and newline) and the bidi overrides that disguise text direction.
_STRIP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
# Lone UTF-16 surrogates (JSON allows "\\ud800"): not text, and no database can store them.
_SURROGATE = re.compile("[\ud800-\udfff]")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_THREAD_KEY = re.compile(r"^[^\s\x00-\x1f][^\x00-\x1f]{0,199}$")
# The characters RFC 5322 allows unquoted (and letters of any script); no quotes, no markup.
_EMAIL = re.compile(r"^[\w.!#$%&'*+/=?^`{|}~-]{1,64}@(?:[\w-]{1,63}\.)+[\w-]{2,63}$")

FIELDS = (
    "site",
    "thread",
    "body",
    "author_name",
    "author_email",
    "parent_id",
    "thread_url",
    "thread_title",
    # Tell me of replies to this comment (needs author_email; the address gets a link to confirm).
    "notify_replies",
    # Sent by the embedded widget only (see service.web.widget): a honeypot that people never see,
    # and the signed token the form was rendered with. Plain API clients leave both out.
    "website",
    "render_token",
)


@dataclass(frozen=True)
class Submission:
    site: str
    thread: str
    body: str
    author_name: str
    author_email: str | None
    parent_id: int | None
    thread_url: str | None
    thread_title: str | None
    honeypot_filled: bool = False
    render_token: str | None = None
    notify_replies: bool = False


def clean_text(value: str) -> str:
    """NFC-normalise and drop control and bidi-override characters."""
    return _STRIP.sub("", unicodedata.normalize("NFC", value))


def text_problem(value: str) -> str | None:
    """Why a string cannot be accepted as text at all (None: it can, once cleaned)."""
    if "\x00" in value:
        return "must not contain null characters"
    if _SURROGATE.search(value):
        return "must be valid Unicode text (no unpaired surrogates)"
    return None


def _text(
    payload: dict[str, Any],
    name: str,
    errors: dict[str, str],
    *,
    required: bool,
    max_chars: int,
    multiline: bool = False,
) -> str | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    if problem := text_problem(value):
        errors[name] = problem
        return None
    value = clean_text(value)
    value = value.strip() if multiline else " ".join(value.split())
    if not value:
        errors[name] = "is required" if required else "must not be blank"
        return None
    if len(value) > max_chars:
        errors[name] = f"must be at most {max_chars} characters"
        return None
    return value


def parse_submission(payload: Any, settings: Settings) -> Submission:
    """Validate a decoded JSON body; raise one 400 (or 413) naming every bad field."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "the request body must be a JSON object")
    errors = {name: "is not a known field" for name in payload if name not in FIELDS}

    site = _text(payload, "site", errors, required=True, max_chars=64)
    if site is not None and not SLUG.match(site):
        errors["site"] = "must be a site slug (lowercase letters, digits, '-' or '_')"
    thread = _text(payload, "thread", errors, required=True, max_chars=200)
    if thread is not None and not _THREAD_KEY.match(thread):
        errors["thread"] = "must be 1-200 printable characters"
    body = _text(payload, "body", errors, required=True, max_chars=10**9, multiline=True)
    name = _text(payload, "author_name", errors, required=True, max_chars=settings.max_name_chars)
    email = _text(payload, "author_email", errors, required=False, max_chars=254)
    if email is not None and not _EMAIL.match(email):
        errors["author_email"] = "must be an email address such as ada@example.org"
    url = _text(payload, "thread_url", errors, required=False, max_chars=2000)
    if url is not None and not _is_web_url(url):
        errors["thread_url"] = "must be an http or https URL"
    title = _text(payload, "thread_title", errors, required=False, max_chars=300)
    parent_id = _parent_id(payload.get("parent_id"), errors)
    # Any value at all in the honeypot counts, so a bot cannot learn what would pass.
    honeypot = payload.get("website")
    honeypot_filled = honeypot is not None and str(honeypot).strip() != ""
    notify = payload.get("notify_replies", False)
    if not isinstance(notify, bool):
        errors["notify_replies"] = "must be true or false"
    elif notify and email is None and "author_email" not in errors:
        errors["author_email"] = "is needed to be told of replies"
    token = payload.get("render_token")
    if token is not None and (not isinstance(token, str) or len(token) > 200):
        errors["render_token"] = "must be the token the comment form was given"
        token = None

    if errors:
        raise ApiError(400, "invalid_fields", "some fields are missing or invalid", errors)
    if body is not None and len(body) > settings.max_body_chars:
        raise ApiError(
            413,
            "body_too_long",
            f"the comment is longer than {settings.max_body_chars} characters",
            {"body": f"must be at most {settings.max_body_chars} characters"},
        )
    return Submission(
        site,  # type: ignore[arg-type]
        thread,  # type: ignore[arg-type]
        body,  # type: ignore[arg-type]
        name,  # type: ignore[arg-type]
        email,
        parent_id,
        url,
        title,
        honeypot_filled=honeypot_filled,
        render_token=token or None,
        notify_replies=notify is True,
    )


def _parent_id(value: Any, errors: dict[str, str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        errors["parent_id"] = "must be the id of a comment in this thread"
        return None
    return value


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value
