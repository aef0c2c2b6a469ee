"""``sieve keys``: the site keys of the Perspective- and Akismet-compatible APIs."""

from __future__ import annotations

import click

from service.cli.context import command_app, site_or_exit


@click.group()
def keys() -> None:
    """Site keys for the Perspective- and Akismet-compatible APIs."""


@keys.command("create")
@click.option("--site", "slug", required=True, help="the site whose policy the key's calls get")
@click.option("--name", default="", help="what the key is for, e.g. coral or wordpress")
def keys_create(slug: str, name: str) -> None:
    """Create a key; it is printed once, as the last line."""
    from service.domain.audit import Actor
    from service.domain.site_keys import create_key
    from service.storage import db

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug)
        key, record = create_key(session, site, name, Actor.terminal())
        click.echo(f"key #{record.id} {record.name!r} for site {site.slug}; shown only now:")
        click.echo(key)


@keys.command("list")
@click.option("--site", "slug", help="only this site's keys")
def keys_list(slug: str | None) -> None:
    """Keys, with their site, last use and this month's calls (never the key itself)."""
    from service.domain.site_keys import keys_of, usage_of
    from service.storage import db

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug) if slug else None
        records = keys_of(session, site)
        click.echo(
            "ID    PREFIX  SITE             NAME                 LAST USED         CALLS  STATE"
        )
        for r in records:
            used = r.last_used_at.strftime("%Y-%m-%d %H:%M") if r.last_used_at else "never"
            state = "revoked" if r.revoked_at else "active"
            calls = usage_of(session, r)["api_calls"]
            click.echo(
                f"{r.id:<5} {r.prefix}…   {r.site.slug:<16} {r.name:<20} {used:<17} "
                f"{calls:>5}  {state}"
            )
        if not records:
            click.echo("(none: sieve keys create --site SLUG)")


@keys.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke key KEY_ID (see `sieve keys list`); its calls are refused from now on."""
    from service.domain.audit import Actor
    from service.domain.site_keys import revoke_key
    from service.storage import db
    from service.storage.tables import SiteKey

    with command_app(), db.session_scope() as session:
        record = session.get(SiteKey, key_id)
        if record is None:
            raise click.ClickException(f"there is no key #{key_id}")
        if not revoke_key(session, record, Actor.terminal()):
            raise click.ClickException(f"key #{key_id} was already revoked")
        click.echo(f"key #{key_id} {record.name!r} of {record.site.slug} revoked")
