"""The ``sieve`` command."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from service.cli.context import command_app, date_option, settings_or_exit, site_or_exit
from service.cli.keys import keys
from service.cli.ops import status, sweep
from service.cli.privacy import privacy
from service.cli.sites import sites
from service.cli.tokens import tokens
from service.cli.transfer import export, import_
from service.cli.webhooks import webhooks
from service.settings import database_url


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Sieve: self-hosted comment moderation."""


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (safe to run at every deploy)."""
    from service.storage import db as database

    url = database_url(settings_or_exit())
    database.upgrade(url, revision)
    click.echo(f"database at {revision}: {_display(url)}")


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--data-dir", default="var", show_default=True, type=click.Path(path_type=Path))
@click.option("--web-workers", default=2, show_default=True, type=int)
@click.option("--web-threads", default=4, show_default=True, type=int, help="threads a web worker")
@click.option("--workers", default=1, show_default=True, type=int, help="scoring workers")
def up(host: str, port: int, data_dir: Path, web_workers: int, web_threads: int,
       workers: int) -> None:  # fmt: skip
    """Start web server, worker(s) and, without REDIS_URL, a private redis-server."""
    from service.cli.supervisor import Stack, run_stack

    os.environ["SIEVE_DATA_DIR"] = str(data_dir)
    settings_or_exit()  # fail early, naming the variable, before anything starts
    stack = Stack(
        host, port, data_dir, web_workers=web_workers, web_threads=web_threads, workers=workers
    )
    sys.exit(run_stack(stack))


@cli.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(bind: str, workers: int) -> None:
    """Run the production web server (gunicorn) in the foreground."""
    settings_or_exit()
    args = ["gunicorn", "--bind", bind, "--workers", str(workers), "--threads", "4", "--preload"]
    os.execv(sys.executable, [sys.executable, "-m", *args, "service.wsgi:app"])


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run a scoring worker (options: --burst, --fork, --name, --max-jobs, --no-sweeper)."""
    # Executed rather than imported: the service package never imports the worker package.
    os.execv(sys.executable, [sys.executable, "-m", "worker", *ctx.args])


@cli.group()
def moderators() -> None:
    """Moderator accounts."""


@moderators.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="moderator")
@click.option("--site", "site_slugs", multiple=True, help="a site they moderate (repeatable)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def moderators_create(
    email: str, role: str, site_slugs: tuple[str, ...], password_stdin: bool
) -> None:
    """Create a moderator; the password is prompted for (or read with --password-stdin)."""
    from service.domain.accounts import AccountError, create_moderator
    from service.domain.audit import Actor
    from service.storage import db as database
    from service.storage.states import Role

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with command_app(), database.session_scope() as session:
        sites = []
        for slug in site_slugs:
            sites.append(site_or_exit(session, slug))
        try:
            moderator = create_moderator(
                session, email, password, Role(role), sites, Actor.terminal()
            )
        except AccountError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"created {moderator.role.value} {moderator.email}")


@click.command("export-labels")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--site", "slug", help="only this site's decisions")
@date_option
def export_labels(out: Path, slug: str | None, since: datetime | None) -> None:
    """Write moderator decisions as training labels (CSV: text, labels, site, decision, time),
    for `sieve model train --labels`."""
    from service.domain.labels import write_labels
    from service.storage import db as database

    with command_app(), database.session_scope() as session:
        site_id = site_or_exit(session, slug).id if slug else None
        count = write_labels(session, out, since, site_id)
    click.echo(f"wrote {count} labelled comments to {out}")


def _add_model_commands() -> None:
    from models.cli import model, score
    from service.cli import rollout

    for command in (
        export_labels,
        rollout.shadow,
        rollout.compare,
        rollout.promote,
        rollout.status,
    ):
        model.add_command(command)
    cli.add_command(model)
    cli.add_command(score)


_add_model_commands()


cli.add_command(status)
cli.add_command(sweep)
cli.add_command(privacy)
cli.add_command(sites)
cli.add_command(keys)
cli.add_command(tokens)
cli.add_command(import_)
cli.add_command(export)
cli.add_command(webhooks)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
