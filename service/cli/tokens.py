"""``sieve tokens``: moderators' API tokens from a terminal, for scripts that use the
moderation API without a browser."""

from __future__ import annotations

import click
from sqlalchemy import select

from service.cli.context import command_app


def _moderator(session, email: str):
    from service.storage.tables import Moderator

    moderator = session.scalar(select(Moderator).where(Moderator.email == email.strip().lower()))
    if moderator is None:
        raise click.ClickException(f"there is no moderator {email!r}")
    return moderator


@click.group()
def tokens() -> None:
    """Moderators' personal API tokens (Authorization: Bearer TOKEN)."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="what the token is for")
def tokens_create(email: str, name: str) -> None:
    """Create a token acting as EMAIL; it is printed once, as the last line."""
    from service.domain.accounts import create_token
    from service.domain.audit import Actor
    from service.storage import db

    with command_app(), db.session_scope() as session:
        moderator = _moderator(session, email)
        token, record = create_token(session, moderator, name, Actor.terminal())
        click.echo(f"token #{record.id} {record.name!r} for {moderator.email}; shown only now:")
        click.echo(token)


@tokens.command("list")
@click.argument("email", required=False)
def tokens_list(email: str | None) -> None:
    """Tokens (of EMAIL, or everyone's): id, owner, name, prefix, last use, state."""
    from service.storage import db
    from service.storage.tables import ApiToken

    with command_app(), db.session_scope() as session:
        query = select(ApiToken).order_by(ApiToken.id)
        if email:
            query = query.where(ApiToken.moderator_id == _moderator(session, email).id)
        records = session.scalars(query).all()
        for r in records:
            used = r.last_used_at.strftime("%Y-%m-%d %H:%M") if r.last_used_at else "never"
            state = "revoked" if r.revoked_at else "active"
            click.echo(
                f"{r.id:<5} {r.moderator.email:<30} {r.name:<20} {r.prefix}…  {used}  {state}"
            )
        if not records:
            click.echo("(none: sieve tokens create EMAIL)")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID (see `sieve tokens list`)."""
    from service.domain.accounts import revoke_token
    from service.domain.audit import Actor
    from service.storage import db
    from service.storage.tables import ApiToken

    with command_app(), db.session_scope() as session:
        record = session.get(ApiToken, token_id)
        if record is None:
            raise click.ClickException(f"there is no token #{token_id}")
        if record.revoked_at is not None:
            raise click.ClickException(f"token #{token_id} was already revoked")
        revoke_token(session, record.moderator, token_id, Actor.terminal())
        click.echo(f"token #{token_id} {record.name!r} of {record.moderator.email} revoked")
