"""``sieve sites``: the sites that embed Sieve, from a terminal."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy.orm import Session

from service.storage import Site


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
    "--allow-domain",
    "allowed_domains",
    multiple=True,
    metavar="DOMAIN",
    help="links to DOMAIN (and its subdomains) never count against a comment, e.g. reuters.com",
)
@click.option(
    "--scoring-failure",
    type=click.Choice(["hold", "approve"]),
    help="what to do with a comment that cannot be scored (default: hold for a human)",
)
def sites_add(
    slug: str,
    name: str | None,
    origins: tuple[str, ...],
    allowed_domains: tuple[str, ...],
    scoring_failure: str | None,
) -> None:
    """Create a site, or add origins and allowed domains to an existing one."""
    from service import db as database
    from service.cli import command_app  # the CLI imports this module
    from service.sites import ensure_site
    from service.validation import SLUG

    if not SLUG.match(slug):
        raise click.BadParameter("lowercase letters, digits, '-' or '_'", param_hint="SLUG")
    with command_app(), database.session_scope() as session:
        site = ensure_site(session, slug, name or slug, list(origins))
        changes: dict[str, Any] = {"allowed_origins": site.allowed_origins}
        if allowed_domains:
            changes["allowed_domains"] = [*site.allowed_domains, *allowed_domains]
        if scoring_failure:
            changes["scoring_failure"] = scoring_failure
        _apply(site, changes)
        click.echo(f"site {site.slug}: origins {_listed(site.allowed_origins)}")
        if site.allowed_domains:
            click.echo(f"allowed domains: {_listed(site.allowed_domains)}")


@sites.command("list")
def sites_list() -> None:
    """List the sites."""
    from sqlalchemy import select

    from service import db as database
    from service.cli import command_app

    with command_app(), database.session_scope() as session:
        for site in session.scalars(select(Site).order_by(Site.slug)):
            origins = _listed(site.allowed_origins)
            click.echo(f"{site.slug}\t{site.name}\t{site.premoderation.value}\t{origins}")


@sites.command("show")
@click.argument("slug")
def sites_show(slug: str) -> None:
    """Print a site's settings as JSON (what GET /api/v1/sites/SLUG answers)."""
    from service import db as database
    from service.cli import command_app
    from service.site_settings import settings_of

    with command_app(), database.session_scope() as session:
        click.echo(json.dumps(settings_of(_site(session, slug)), indent=2, ensure_ascii=False))


@sites.command("domains")
@click.argument("slug")
@click.option("--allow", multiple=True, metavar="DOMAIN", help="never count links to DOMAIN")
@click.option("--disallow", multiple=True, metavar="DOMAIN", help="take DOMAIN off the allowed")
@click.option("--block", multiple=True, metavar="DOMAIN", help="reject comments linking to it")
@click.option("--unblock", multiple=True, metavar="DOMAIN", help="take DOMAIN off the blocked")
def sites_domains(
    slug: str,
    allow: tuple[str, ...],
    disallow: tuple[str, ...],
    block: tuple[str, ...],
    unblock: tuple[str, ...],
) -> None:
    """Show or change a site's link policy: the domains it allows and those it blocks.

    A domain covers its subdomains. Links to allowed domains, and to the site's own origins,
    never count against a comment; a link to a blocked domain rejects it. --disallow and
    --unblock apply before --allow and --block.
    """
    from service import db as database
    from service.cli import command_app
    from service.policy import allowed_link_domains

    with command_app(), database.session_scope() as session:
        site = _site(session, slug)
        changes = {}
        if allow or disallow:
            changes["allowed_domains"] = _edited(
                site.allowed_domains, allow, disallow, "--disallow"
            )
        if block or unblock:
            changes["blocked_domains"] = _edited(site.blocked_domains, block, unblock, "--unblock")
        _apply(site, changes)
        own = sorted(allowed_link_domains([], site.allowed_origins))
        click.echo(f"allowed: {_listed(site.allowed_domains)}")
        click.echo(f"blocked: {_listed(site.blocked_domains)}")
        click.echo(f"allowed as the site's own origins: {_listed(own)}")


def _site(session: Session, slug: str) -> Site:
    from service.sites import find_site

    site = find_site(session, slug)
    if site is None:
        raise click.ClickException(f"there is no site {slug!r}")
    return site


def _edited(
    current: list[str], add: tuple[str, ...], remove: tuple[str, ...], option: str
) -> list[str]:
    from service.site_settings import domain_name

    try:
        removed = {domain_name(domain) for domain in remove}
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=option) from None
    return [domain for domain in current if domain not in removed] + list(add)


def _apply(site: Site, changes: dict[str, Any]) -> None:
    """The changes through the admin page's validation; nothing is saved if one is refused."""
    from service.site_settings import apply_site_settings

    if errors := apply_site_settings(site, changes):
        raise click.ClickException(
            "; ".join(f"{name}: {message}" for name, message in errors.items())
        )


def _listed(values: list[str]) -> str:
    return ", ".join(values) or "(none)"
