"""``sieve sites tune``: thresholds recommended from the site's own moderator decisions."""

from __future__ import annotations

import json
from datetime import datetime

import click

from service.cli.context import command_app, date_option, site_or_exit


@click.command("tune")
@click.argument("slug")
@date_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--apply", "apply_", is_flag=True, help="set the recommended thresholds (audited)")
def tune(slug: str, since: datetime | None, as_json: bool, apply_: bool) -> None:
    """What each pair of thresholds would have done with SLUG's decided comments, and the pair
    recommended: at most 1% wrong auto-rejections, 95% of refused comments caught, fewest held."""
    from service.domain.audit import Actor
    from service.domain.tuning import apply_recommended, tune_site
    from service.storage import db

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug)
        tunings = tune_site(session, site, since)
        applied = apply_recommended(session, site, tunings, Actor.terminal()) if apply_ else {}
    if as_json:
        payload = {"site": slug, "labels": [t.as_dict() for t in tunings], "applied": list(applied)}
        click.echo(json.dumps(payload, indent=2))
        return
    for t in tunings:
        click.echo(_described(t))
    if apply_:
        click.echo("applied: " + (", ".join(applied) if applied else "nothing to apply"))


def _described(t) -> str:
    lines = [f"{t.label}: {t.labelled} decided comments, {t.harmful} refused for {t.label}"]
    rows = [("current", t.current)] + ([("recommended", t.recommended)] if t.recommended else [])
    for name, o in rows:
        reject = f"{o.reject_above:g}"
        lines.append(
            f"  {name:<12} approve below {o.approve_below:g}, reject at {reject}: approved "
            f"{o.approved}, held {o.held}, rejected {o.rejected}; wrongly rejected "
            f"{o.wrongly_rejected}, wrongly approved {o.wrongly_approved} ({o.errors} errors); "
            f"held for nothing {o.held_for_nothing}"
        )
    lines.append(f"  {t.note}")
    return "\n".join(lines)
