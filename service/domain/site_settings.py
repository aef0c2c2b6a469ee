"""A site's settings, validated in one place: the admin page, the JSON API and ``sieve sites``
all read them with ``settings_of`` and change them with ``change_site_settings``, which validates
with ``apply_site_settings`` and puts each change in the audit trail."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from models.links import is_allowed
from service.domain.audit import Actor, record_admin_event
from service.domain.policy import LABEL_CODES
from service.domain.sites import site_thresholds
from service.settings import SettingsError, parse_rate
from service.storage.states import PreModeration
from service.storage.tables import Site

SCORING_FAILURE = ("hold", "approve")
MAX_ENTRIES = 500
MAX_NAME_CHARS = 200
# An ASCII host name of two labels or more; internationalised names in their xn-- form.
_HOST = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)


def settings_of(site: Site) -> dict[str, Any]:
    """Every setting ``apply_site_settings`` takes, as it takes them, and the slug."""
    return {
        "slug": site.slug,
        "name": site.name,
        "allowed_origins": list(site.allowed_origins),
        "thresholds": site_thresholds(site),
        "premoderation": site.premoderation.value,
        "rate_limit_ip": site.rate_limit_ip,
        "rate_limit_site": site.rate_limit_site,
        "blocked_words": list(site.blocked_words),
        "blocked_domains": list(site.blocked_domains),
        "allowed_domains": list(site.allowed_domains),
        "scoring_failure": site.scoring_failure,
    }


def change_site_settings(
    session: Session,
    site: Site,
    changes: Mapping[str, Any],
    actor: Actor,
    before: dict[str, Any] | None = None,
) -> dict[str, str]:
    """``apply_site_settings``, and an audit event with each setting that changed as it was and
    as it became. ``before`` is ``{}`` for a site created in the same transaction."""
    before = settings_of(site) if before is None else before
    if errors := apply_site_settings(site, changes):
        return errors
    after = settings_of(site)
    changed = [name for name, value in after.items() if before.get(name) != value]
    if changed:
        record_admin_event(
            session,
            actor,
            "site_settings" if before else "site_created",
            site,
            {name: before[name] for name in changed if name in before},
            {name: after[name] for name in changed},
            subject=f"site {site.slug}",
        )
    return {}


def apply_site_settings(site: Site, changes: Mapping[str, Any]) -> dict[str, str]:
    """Validate ``changes`` (any of the settings, valued as ``settings_of`` gives them) and set
    them on ``site``; returns the field errors, and sets nothing when there are any."""
    errors: dict[str, str] = {}
    valid: dict[str, Any] = {}
    for name, value in changes.items():
        check = _CHECKS.get(name)
        if check is None:
            errors[name] = "is not a site setting"
            continue
        try:
            valid[name] = check(value)
        except ValueError as error:
            errors[name] = str(error)
    lists = {"allowed_domains", "blocked_domains"}
    if changes.keys() & lists and not errors.keys() & lists:
        field = "allowed_domains" if "allowed_domains" in changes else "blocked_domains"
        allowed = valid.get("allowed_domains", site.allowed_domains)
        if message := _conflict(allowed, valid.get("blocked_domains", site.blocked_domains)):
            errors[field] = message
    if errors:
        return errors
    if valid.get("name") == "":
        valid["name"] = site.slug
    for name, value in valid.items():
        setattr(site, name, value)
    return {}


def domain_name(entry: str) -> str:
    """``entry`` as a bare domain (``https://www.Reuters.com/world`` is ``reuters.com``)."""
    text = entry.strip().lower()
    if "://" in text:
        scheme, _, text = text.partition("://")
        if scheme not in ("http", "https"):
            raise ValueError(f"{entry!r} is not a domain such as reuters.com")
    host = re.split(r"[/?#]", text, maxsplit=1)[0].rstrip(".").removeprefix("www.")
    if not _HOST.match(host):
        raise ValueError(f"{entry!r} is not a domain such as reuters.com")
    return host


def _conflict(allowed: list[str], blocked: list[str]) -> str | None:
    # A blocked domain rejects a comment whatever else it links to, so allowing it, or one of
    # its subdomains, would promise what the site does not do.
    for domain in allowed:
        for parent in blocked:
            if is_allowed(domain, [parent]):
                where = "is blocked" if domain == parent else f"is under the blocked {parent}"
                return f"{domain} {where}: a domain cannot be both allowed and blocked"
    return None


def _entries(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("must be a list of strings")
    return [item.strip() for item in value if item.strip()]


def _at_most(entries: list[str], what: str) -> list[str]:
    unique = list(dict.fromkeys(entries))
    if len(unique) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} {what}")
    return unique


def _domains(value: Any) -> list[str]:
    return _at_most([domain_name(entry) for entry in _entries(value)], "domains")


def _words(value: Any) -> list[str]:
    return _at_most([word.lower() for word in _entries(value)], "words")


def _origins(value: Any) -> list[str]:
    origins = [origin.rstrip("/") for origin in _entries(value)]
    for origin in origins:
        parts = urlsplit(origin)
        extra = parts.path or parts.query or parts.fragment
        if parts.scheme not in ("http", "https") or not parts.netloc or extra:
            raise ValueError(f"{origin!r} is not an origin such as https://blog.example")
    return _at_most(origins, "origins")


def _name(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_NAME_CHARS:
        raise ValueError(f"must be a text of at most {MAX_NAME_CHARS} characters")
    return value.strip()


def _thresholds(value: Any) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        raise ValueError("must map labels to {approve_below, reject_above}")
    problems = []
    for label, pair in value.items():
        if label not in LABEL_CODES:
            problems.append(f"{label}: not a label the model scores")
        elif not _is_pair(pair):
            problems.append(f"{label}: both thresholds must be numbers between 0 and 1")
        elif not 0 <= pair["approve_below"] <= pair["reject_above"] <= 1:
            problems.append(f"{label}: 0 ≤ approve below ≤ reject above ≤ 1")
    if problems:
        raise ValueError("; ".join(problems))
    return {label: {k: float(v) for k, v in pair.items()} for label, pair in value.items()}


def _is_pair(pair: Any) -> bool:
    return (
        isinstance(pair, dict)
        and pair.keys() == {"approve_below", "reject_above"}
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair.values())
    )


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return check


def _rate(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a text such as 5/minute, or empty for the server default")
        try:
            return parse_rate(name, value) if value.strip() else ""
        except SettingsError as error:
            raise ValueError(str(error).replace(name + " ", "", 1)) from None

    return check


_MODES = tuple(mode.value for mode in PreModeration)

_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "allowed_origins": _origins,
    "thresholds": _thresholds,
    "premoderation": lambda value: PreModeration(_choice(_MODES)(value)),
    "rate_limit_ip": _rate("rate_limit_ip"),
    "rate_limit_site": _rate("rate_limit_site"),
    "blocked_words": _words,
    "blocked_domains": _domains,
    "allowed_domains": _domains,
    "scoring_failure": _choice(SCORING_FAILURE),
}
