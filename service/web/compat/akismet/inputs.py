"""What an Akismet client sent: its fields, from the query, a form or a JSON body (unknown ones
are kept but never required), and the site key it presented."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from service.domain.site_keys import KEY_LENGTH, find_key
from service.domain.submissions import clean_text
from service.storage import db
from service.storage.tables import Site, SiteKey

# Where clients put the key: `api_key` (current docs), `key` (older docs, WordPress's
# verify-key), else the first label of the Host (`https://<key>.rest.akismet.com/1.1/...`).
KEY_FIELDS = ("api_key", "key")


@dataclass(frozen=True)
class Caller:
    """The live key a request presented and its site, both loaded and detached from the session
    (read them, never change them)."""

    key: SiteKey
    site: Site


def request_fields() -> dict[str, str]:
    """Every field of the request as cleaned text, read once: query, then form, then a JSON
    object (Coral sends JSON); a later source wins. JSON lists and objects are left out."""
    if "akismet_fields" not in g:
        fields = {name: clean_text(value) for name, value in request.args.items()}
        fields.update((name, clean_text(value)) for name, value in request.form.items())
        payload = None if request.form else request.get_json(force=True, silent=True)
        if isinstance(payload, dict):
            fields.update(
                (str(name), text)
                for name, value in payload.items()
                if (text := _text(value)) is not None
            )
        g.akismet_fields = fields
    return g.akismet_fields


def _text(value: object) -> str | None:
    if isinstance(value, bool):  # before int: True is an int
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        # JSON may spell lone surrogates ("\ud800"): not text, and no database stores them.
        return clean_text(value.encode("utf-8", "replace").decode("utf-8"))
    return None


def is_true(value: str | None) -> bool:
    """Akismet's flags (`is_test`) are `1` or `true`."""
    return (value or "").strip().lower() in {"1", "true", "yes"}


def presented_key() -> str | None:
    """The key in `api_key` or `key`, else a key-shaped first label of a dotted Host."""
    fields = request_fields()
    for name in KEY_FIELDS:
        if value := fields.get(name, "").strip():
            return value
    label, dot, _ = request.host.partition(":")[0].lower().partition(".")
    if dot and len(label) == KEY_LENGTH and label.isascii() and label.isalnum():
        return label
    return None


def find_caller() -> Caller | None:
    """The live key presented, with its site; looked up (and its last use stamped) once per
    request."""
    if "akismet_caller" not in g:
        caller = None
        if presented := presented_key():
            with db.session_scope() as session:
                record = find_key(session, presented)
                if record is not None:
                    caller = Caller(record, record.site)
        g.akismet_caller = caller
    return g.akismet_caller
