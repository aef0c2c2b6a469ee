"""What every ``sieve`` command shares: the settings, and the app a command runs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from service.settings import SettingsError, load_settings


@contextmanager
def command_app() -> Iterator[None]:
    """The app for one command; its database and Redis connections close when it ends."""
    from service import create_app
    from service.pipeline.broker import redis_connection
    from service.storage import db as database

    app = create_app(settings_or_exit())
    with app.app_context():
        try:
            yield
        finally:
            database.engine().dispose()
            redis_connection().close()


def settings_or_exit():
    """The settings from the environment, or a clear error naming the variable."""
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def _date(_ctx: click.Context, _param: click.Parameter, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter("a date such as 2026-11-25") from None


date_option = click.option(
    "--since", callback=_date, help="only from this date on (YYYY-MM-DD, UTC)"
)


def site_or_exit(session, slug: str):
    """The site named SLUG, or a clear error naming it."""
    from service.domain.sites import find_site

    site = find_site(session, slug)
    if site is None:
        raise click.ClickException(f"there is no site {slug!r}")
    return site
