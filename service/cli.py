"""The ``sieve`` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from service.settings import SettingsError, database_url, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Sieve: self-hosted comment moderation."""


def _settings():
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (safe to run at every deploy)."""
    from service import db as database

    url = database_url(_settings())
    database.upgrade(url, revision)
    click.echo(f"database at {revision}: {_display(url)}")


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.group()
def sites() -> None:
    """Sites that embed Sieve."""


@sites.command("add")
@click.argument("slug")
@click.option("--name", help="display name (defaults to the slug)")
@click.option(
    "--origin", "origins", multiple=True, help="allowed origin, e.g. https://blog.example"
)
def sites_add(slug: str, name: str | None, origins: tuple[str, ...]) -> None:
    """Create a site, or add origins to an existing one."""
    from service import create_app
    from service import db as database
    from service.sites import ensure_site
    from service.validation import _SLUG

    if not _SLUG.match(slug):
        raise click.BadParameter("lowercase letters, digits, '-' or '_'", param_hint="SLUG")
    app = create_app(_settings())
    with app.app_context(), database.session_scope() as session:
        site = ensure_site(session, slug, name or slug, list(origins))
        click.echo(f"site {site.slug}: origins {', '.join(site.allowed_origins) or '(none)'}")


@sites.command("list")
def sites_list() -> None:
    """List the sites."""
    from sqlalchemy import select

    from service import create_app
    from service import db as database
    from service.storage import Site

    app = create_app(_settings())
    with app.app_context(), database.session_scope() as session:
        for site in session.scalars(select(Site).order_by(Site.slug)):
            origins = ", ".join(site.allowed_origins) or "(none)"
            click.echo(f"{site.slug}\t{site.name}\t{site.premoderation.value}\t{origins}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--data-dir", default="var", show_default=True, type=click.Path(path_type=Path))
@click.option("--web-workers", default=2, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="scoring workers")
def up(host: str, port: int, data_dir: Path, web_workers: int, workers: int) -> None:
    """Start web server, worker(s) and, without REDIS_URL, a private redis-server."""
    from service.supervisor import Stack, run_stack

    os.environ["SIEVE_DATA_DIR"] = str(data_dir)
    _settings()  # fail early, naming the variable, before anything starts
    stack = Stack(host, port, data_dir, web_workers=web_workers, workers=workers)
    sys.exit(run_stack(stack))


@cli.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(bind: str, workers: int) -> None:
    """Run the production web server (gunicorn) in the foreground."""
    _settings()
    args = ["gunicorn", "--bind", bind, "--workers", str(workers), "--threads", "4", "--preload"]
    os.execv(sys.executable, [sys.executable, "-m", *args, "service.wsgi:app"])


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run a scoring worker (options: --burst, --fork, --name, --max-jobs)."""
    # Executed rather than imported: the service package never imports the worker package.
    os.execv(sys.executable, [sys.executable, "-m", "worker", *ctx.args])


def _add_model_commands() -> None:
    try:
        from models.cli import model, score
    except ImportError:  # the classifier's commands are optional extras of the CLI
        return
    cli.add_command(model)
    cli.add_command(score)


_add_model_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
