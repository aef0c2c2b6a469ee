"""``sieve model shadow``, ``compare``, ``promote`` and ``status``: a candidate model tried beside
the live one on real comments, compared, then made live (and rolled back) without a restart."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from service.cli.context import command_app, date_option, site_or_exit


def _default_dir() -> str:
    from service.pipeline.classifier import classifier_holder

    return classifier_holder().default_dir


@click.command("shadow")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--off", is_flag=True, help="stop scoring with the shadow model")
def shadow(directory: Path | None, off: bool) -> None:
    """Score every new comment with the model in DIRECTORY too, beside the live one. Its scores
    are stored apart and decide nothing; workers pick it up within seconds, without a restart."""
    from service.domain.audit import Actor
    from service.domain.deployments import DeploymentRefused, deployments, start_shadow, stop_shadow
    from service.storage import db

    if off == (directory is not None):
        raise click.UsageError("give a model folder, or --off")
    with command_app(), db.session_scope() as session:
        if off:
            stopped = stop_shadow(session, Actor.terminal())
            said = f"shadow model {stopped.version} off" if stopped else "no shadow model was on"
            click.echo(said)
            return
        now = deployments(session)
        live = now.live.path if now.live and now.live.path else _default_dir()
        try:
            started = start_shadow(session, directory, Actor.terminal(), live)
        except DeploymentRefused as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"shadow model {started.version} ({started.path}): every worker scores new "
                   "comments with it too; it decides nothing")  # fmt: skip


@click.command("promote")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--previous", is_flag=True, help="go back to the model live before this one")
def promote(directory: Path | None, previous: bool) -> None:
    """Make the model in DIRECTORY decide new comments. It must load and pass its own checks
    first, or nothing changes; every worker and web process switches within seconds."""
    from service.domain.audit import Actor
    from service.domain.deployments import DeploymentRefused, promote_previous
    from service.domain.deployments import promote as promote_model
    from service.pipeline.classifier import CHECK_SECONDS
    from service.storage import db

    if previous == (directory is not None):
        raise click.UsageError("give a model folder, or --previous")
    with command_app(), db.session_scope() as session:
        try:
            if previous:
                made = promote_previous(session, Actor.terminal(), _default_dir())
            else:
                made = promote_model(session, directory, Actor.terminal(), _default_dir())
        except DeploymentRefused as error:
            raise click.ClickException(f"{error}; the live model stays") from None
    where = made.path or "the configured default"
    click.echo(f"live model {made.version} ({where}); workers and web processes switch within "
               f"{CHECK_SECONDS:.0f} s (sieve model status shows each worker's)")  # fmt: skip


@click.command("compare")
@click.option("--site", "slug", help="only this site's comments")
@date_option
@click.option("--model", "version", help="the candidate's version [default: the shadow one]")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def compare(slug: str | None, since: datetime | None, version: str | None, as_json: bool) -> None:
    """The live model against the shadow one on the comments both scored: how often they would
    decide differently at each site's thresholds, and each one's errors against moderators."""
    from service.domain.comparison import compare as compare_models
    from service.storage import db

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug) if slug else None
        result = compare_models(session, version, site, since)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    if result.candidate is None:
        click.echo("no candidate model has scored anything: start one with sieve model shadow DIR")
        return
    click.echo(described(result.as_dict()))


def described(report: dict) -> str:
    """A comparison as people read it."""
    lines = [f"live {', '.join(report['live_versions']) or '-'} against candidate "
             f"{report['candidate_version']}"]  # fmt: skip
    rows = [("all sites", report), *report["sites"].items()]
    for name, part in rows:
        if not part["count"]:
            lines.append(f"{name}: no comment scored by both")
            continue
        lines.append(
            f"{name}: {part['count']} comments scored by both, same decision for "
            f"{part['agreement']:.1%} ({part['decided_differently']} differ)"
        )
        if part["moderated"]:
            for who in ("live", "candidate"):
                e = part[who]
                lines.append(
                    f"  {who:<9} against {part['moderated']} moderator decisions: wrongly "
                    f"rejected {e['wrongly_rejected']}, wrongly approved {e['wrongly_approved']} "
                    f"({e['errors']} errors); held for nothing {e['held_for_nothing']}"
                )
    return "\n".join(lines)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(as_json: bool) -> None:
    """The live and shadow models, what each worker has loaded, and the latest changes."""
    from service.pipeline.monitor import models_in_use
    from service.storage import db

    with command_app(), db.session_scope() as session:
        payload = models_in_use(session)
    workers, changes = payload["workers"], payload["history"]
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"live:   {payload['live']['version']} ({payload['live']['path']})")
    shadow_line = payload["shadow"]
    click.echo("shadow: " + (f"{shadow_line['version']} ({shadow_line['path']})"
                             if shadow_line else "none"))  # fmt: skip
    for worker in workers:
        line = f"worker {worker['name']}: live {worker.get('live') or '?'}"
        line += f", shadow {worker['shadow']}" if worker.get("shadow") else ""
        click.echo(line + (f" (problem: {worker['problem']})" if worker.get("problem") else ""))
    for change in changes:
        click.echo(f"{change['at'][:16].replace('T', ' ')} {change['role']:<6} "
                   f"{change['version'] or 'off'} by {change['by']}")  # fmt: skip
