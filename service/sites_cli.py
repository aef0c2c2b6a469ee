"""``sieve sites``: the sites that embed Sieve, from a terminal."""

from __future__ import annotations

import click


@click.group()
def sites() -> None:
    """Sites that embed Sieve."""


@sites.command("add")
@click.argument("slug")
@click.option("--name", help="display name (defaults to the slug)")
@click.option(
    "--origin", "origins", multiple=True, help="allowed origin, e.g. https://blog.example"
)
@click.option(
    "--scoring-failure",
    type=click.Choice(["hold", "approve"]),
    help="what to do with a comment that cannot be scored (default: hold for a human)",
)
def sites_add(
    slug: str, name: str | None, origins: tuple[str, ...], scoring_failure: str | None
) -> None:
    """Create a site, or add origins to an existing one."""
    from service import db as database
    from service.cli import command_app  # the CLI imports this module
    from service.sites import ensure_site
    from service.validation import SLUG

    if not SLUG.match(slug):
        raise click.BadParameter("lowercase letters, digits, '-' or '_'", param_hint="SLUG")
    with command_app(), database.session_scope() as session:
        site = ensure_site(session, slug, name or slug, list(origins))
        if scoring_failure:
            site.scoring_failure = scoring_failure
        click.echo(f"site {site.slug}: origins {', '.join(site.allowed_origins) or '(none)'}")


@sites.command("list")
def sites_list() -> None:
    """List the sites."""
    from sqlalchemy import select

    from service import db as database
    from service.cli import command_app
    from service.storage import Site

    with command_app(), database.session_scope() as session:
        for site in session.scalars(select(Site).order_by(Site.slug)):
            origins = ", ".join(site.allowed_origins) or "(none)"
            click.echo(f"{site.slug}\t{site.name}\t{site.premoderation.value}\t{origins}")
