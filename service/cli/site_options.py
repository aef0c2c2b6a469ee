"""How ``sieve sites`` names the settings, reads its options and prints values."""

from __future__ import annotations

from typing import Any

import click

from service.storage.tables import Site

# Each setting as `show` labels it and the `set` option that changes it.
SETTINGS: dict[str, tuple[str, str]] = {
    "name": ("name", "--name"),
    "allowed_origins": ("origins", "--origin"),
    "thresholds": ("thresholds", "--threshold"),
    "premoderation": ("pre-moderation", "--premoderation"),
    "rate_limit_ip": ("rate limit per reader", "--rate-limit-ip"),
    "rate_limit_site": ("rate limit for the site", "--rate-limit-site"),
    "blocked_words": ("blocked words", "--blocked-word"),
    "blocked_domains": ("blocked domains", "--blocked-domain"),
    "allowed_domains": ("allowed domains", "--allowed-domain"),
    "scoring_failure": ("when scoring fails", "--scoring-failure"),
}


def setting_of(option_key: str) -> str:
    """The setting a `set` option changes (``blocked_word`` gives ``blocked_words``)."""
    option = "--" + option_key.replace("_", "-")
    return next(name for name, (_, flag) in SETTINGS.items() if flag == option)


def thresholds_with(site: Site, given: tuple[str, ...]) -> dict[str, Any]:
    """The site's own thresholds with the labels named in ``given`` changed."""
    thresholds: dict[str, Any] = {label: dict(pair) for label, pair in site.thresholds.items()}
    for entry in given:
        label, equals, pair = (part.strip() for part in entry.partition("="))
        low, comma, high = (part.strip() for part in pair.partition(","))
        if not label or not equals or (pair != "default" and not comma):
            raise click.BadParameter(
                f"{entry!r} is not LABEL=LOW,HIGH such as spam=0.5,0.9", param_hint="--threshold"
            )
        if pair == "default":
            thresholds.pop(label, None)
        else:
            # Left as typed when it is no number: the site settings' check says what is wrong.
            thresholds[label] = {"approve_below": _number(low), "reject_above": _number(high)}
    return thresholds


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def shown(name: str, value: Any) -> str:
    """A setting for people; several lines for thresholds."""
    if name == "thresholds":
        return "\n".join(
            f"{label}: approve below {pair['approve_below']:g}, reject above "
            f"{pair['reject_above']:g}"
            for label, pair in value.items()
        )
    if name.startswith("rate_limit"):
        return value or "server default"
    if isinstance(value, list):
        return listed(value)
    return str(value)


def inline(name: str, value: Any) -> str:
    """A setting on one line, as `set` takes it."""
    if name == "thresholds":
        return " ".join(
            f"{label}={pair['approve_below']:g},{pair['reject_above']:g}"
            for label, pair in value.items()
        )
    return shown(name, value)


def listed(values: list[str]) -> str:
    return ", ".join(values) or "(none)"
