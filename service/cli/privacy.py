"""``sieve privacy``: erase an author's comments on request, purge old submitter context."""

from __future__ import annotations

import getpass

import click


@click.group()
def privacy() -> None:
    """Commenters' personal data."""


@privacy.command("erase")
@click.option("--email", required=True, help="the author's email address")
@click.option("--by", "requested_by", help="who asked or ran it (default: the system user)")
def erase(email: str, requested_by: str | None) -> None:
    """Anonymise every comment by EMAIL (text, name, hashes) and record the erasure."""
    from service.cli.context import command_app
    from service.domain.privacy import erase_author
    from service.storage import db as database
    from service.web.api.requests import settings

    with command_app(), database.session_scope() as session:
        record = erase_author(
            session, settings().secret_key, email, requested_by or getpass.getuser()
        )
        click.echo(f"erased {record.comments_erased} comments (erasure #{record.id})")


@privacy.command("purge")
@click.option("--days", type=int, help="retention in days (default: SIEVE_RETENTION_DAYS)")
def purge(days: int | None) -> None:
    """Erase IP hashes, user agents and referrers older than the retention period."""
    from service.cli.context import command_app
    from service.domain.privacy import purge_submitter_context
    from service.storage import db as database
    from service.web.api.requests import settings

    with command_app(), database.session_scope() as session:
        retention = settings().retention_days if days is None else days
        count = purge_submitter_context(session, retention)
    click.echo(f"erased submitter context of {count} comments older than {retention} days")
