"""``sieve sites``: the sites that embed Sieve, from a terminal.

Every setting can be read (``show``) and changed (``set``, ``domains``, ``add``) here, through
the admin page's validation, and every change lands in the audit trail (``history``).
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy.orm import Session

from service.cli.context import site_or_exit
from service.cli.site_options import SETTINGS, inline, listed, setting_of, shown, thresholds_with
from service.cli.tune import tune
from service.storage.states import PreModeration
from service.storage.tables import Site

MODES = "|".join(mode.value for mode in PreModeration)
# domain.site_settings.SCORING_FAILURE checks it; that module is slow to import for --help.
FAILURES = "hold|approve"


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
    type=click.Choice(FAILURES.split("|")),
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
    from service.cli.context import command_app
    from service.domain.site_settings import settings_of
    from service.domain.sites import ensure_site, find_site
    from service.domain.submissions import SLUG
    from service.storage import db as database

    if not SLUG.match(slug):
        raise click.BadParameter("lowercase letters, digits, '-' or '_'", param_hint="SLUG")
    with command_app(), database.session_scope() as session:
        existing = find_site(session, slug)
        before = settings_of(existing) if existing else {}
        site = ensure_site(session, slug, name or slug, list(origins))
        changes: dict[str, Any] = {"allowed_origins": site.allowed_origins}
        if allowed_domains:
            changes["allowed_domains"] = [*site.allowed_domains, *allowed_domains]
        if scoring_failure:
            changes["scoring_failure"] = scoring_failure
        _change(session, site, changes, before)
        click.echo(f"site {site.slug}: origins {listed(site.allowed_origins)}")
        if site.allowed_domains:
            click.echo(f"allowed domains: {listed(site.allowed_domains)}")


@sites.command("list")
def sites_list() -> None:
    """List the sites."""
    from sqlalchemy import select

    from service.cli.context import command_app
    from service.storage import db as database

    with command_app(), database.session_scope() as session:
        for site in session.scalars(select(Site).order_by(Site.slug)):
            origins = listed(site.allowed_origins)
            click.echo(f"{site.slug}\t{site.name}\t{site.premoderation.value}\t{origins}")


@sites.command("show")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="as GET /api/v1/sites/SLUG answers")
def sites_show(slug: str, as_json: bool) -> None:
    """Print every setting of a site."""
    from service.cli.context import command_app
    from service.domain.site_settings import settings_of
    from service.storage import db as database

    with command_app(), database.session_scope() as session:
        settings = settings_of(site_or_exit(session, slug))
    if as_json:
        click.echo(json.dumps(settings, indent=2, ensure_ascii=False))
        return
    rows = [("site", settings["slug"])]
    for name, (label, _option) in SETTINGS.items():
        lines = shown(name, settings[name]).split("\n")
        rows += [(label, lines[0]), *(("", line) for line in lines[1:])]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value}".rstrip())


@sites.command("set")
@click.argument("slug")
@click.option("--name", help="display name ('' for the slug)")
@click.option("--origin", multiple=True, metavar="ORIGIN", help="e.g. https://blog.example")
@click.option(
    "--threshold",
    multiple=True,
    metavar="LABEL=LOW,HIGH",
    help="approve below LOW, reject above HIGH, hold between, e.g. spam=0.5,0.9; "
    "LABEL=default drops the label's own thresholds",
)
@click.option("--premoderation", metavar=f"[{MODES}]", help="who a human sees first")
@click.option("--rate-limit-ip", metavar="RATE", help="per reader, e.g. 5/minute ('' for default)")
@click.option("--rate-limit-site", metavar="RATE", help="for the site ('' for the default)")
@click.option("--blocked-word", multiple=True, metavar="WORD", help="rejects a comment")
@click.option("--blocked-domain", multiple=True, metavar="DOMAIN", help="linking to it rejects")
@click.option("--allowed-domain", multiple=True, metavar="DOMAIN", help="links to it never count")
@click.option("--scoring-failure", metavar=f"[{FAILURES}]", help="hold or approve")
def sites_set(slug: str, **options: Any) -> None:
    """Change a site's settings; those not named stay as they are.

    A repeatable option gives the whole list (--origin A --origin B); pass it once with ''
    to empty the list. --threshold changes only the labels it names. Values are checked as
    on the settings page: if one is refused, nothing is saved.
    """
    from service.cli.context import command_app
    from service.domain.site_settings import settings_of
    from service.storage import db as database

    given = {
        key: value
        for key, value in options.items()
        if value is not None and value != () and key != "threshold"
    }
    if not given and not options["threshold"]:
        raise click.UsageError("name at least one setting to change (see --help)")
    with command_app(), database.session_scope() as session:
        site = site_or_exit(session, slug)
        changes = {
            setting_of(key): list(v) if isinstance(v, tuple) else v for key, v in given.items()
        }
        if options["threshold"]:
            changes["thresholds"] = thresholds_with(site, options["threshold"])
        before = settings_of(site)
        _change(session, site, changes, before, by_option=True)
        after = settings_of(site)
    changed = [name for name in SETTINGS if before[name] != after[name]]
    for name in changed:
        label = SETTINGS[name][0]
        click.echo(f"{label}: {inline(name, before[name])} -> {inline(name, after[name])}")
    if not changed:
        click.echo(f"{slug}: nothing changed")


@sites.command("history")
@click.argument("slug")
@click.option("--limit", default=20, show_default=True, help="how many changes, newest first")
@click.option("--json", "as_json", is_flag=True, help="one JSON object a line")
def sites_history(slug: str, limit: int, as_json: bool) -> None:
    """The latest changes to a site: when, who, through which door, from what to what."""
    from service.cli.context import command_app
    from service.domain.audit import site_history
    from service.storage import db as database

    with command_app(), database.session_scope() as session:
        events = site_history(session, site_or_exit(session, slug), limit)
    for event in events:
        if as_json:
            keys = ("actor", "via", "action", "subject", "detail", "before", "after")
            record = {"time": event.created_at.isoformat()} | {k: getattr(event, k) for k in keys}
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        via = f" via {event.via}" if event.via else ""
        click.echo(f"{event.created_at:%Y-%m-%d %H:%M:%S} UTC  {event.actor}{via}: {event.action}")
        before, after = event.before or {}, event.after or {}
        for name in dict.fromkeys([*before, *after]):
            was, now = (inline(name, side[name]) if name in side else "(none)"
                        for side in (before, after))  # fmt: skip
            click.echo(f"  {SETTINGS.get(name, (name,))[0]}: {was} -> {now}")
        if event.detail:
            click.echo(f"  {event.subject}: {event.detail}")


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
    from service.cli.context import command_app
    from service.domain.policy import allowed_link_domains
    from service.storage import db as database

    with command_app(), database.session_scope() as session:
        site = site_or_exit(session, slug)
        changes = {}
        if allow or disallow:
            changes["allowed_domains"] = _edited(
                site.allowed_domains, allow, disallow, "--disallow"
            )
        if block or unblock:
            changes["blocked_domains"] = _edited(site.blocked_domains, block, unblock, "--unblock")
        _change(session, site, changes)
        own = sorted(allowed_link_domains([], site.allowed_origins))
        click.echo(f"allowed: {listed(site.allowed_domains)}")
        click.echo(f"blocked: {listed(site.blocked_domains)}")
        click.echo(f"allowed as the site's own origins: {listed(own)}")


def _edited(
    current: list[str], add: tuple[str, ...], remove: tuple[str, ...], option: str
) -> list[str]:
    from service.domain.site_settings import domain_name

    try:
        removed = {domain_name(domain) for domain in remove}
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=option) from None
    return [domain for domain in current if domain not in removed] + list(add)


def _change(
    session: Session,
    site: Site,
    changes: dict[str, Any],
    before: dict | None = None,
    by_option: bool = False,
) -> None:
    """The changes through the admin page's validation, audited; nothing is saved if one is
    refused. Each refusal is told by its setting's name, or ``by_option`` that of `set`."""
    from service.domain.audit import Actor
    from service.domain.site_settings import change_site_settings

    if errors := change_site_settings(session, site, changes, Actor.terminal(), before):
        order = list(SETTINGS)
        named = sorted(errors, key=lambda name: order.index(name) if name in order else -1)
        labels = {name: SETTINGS.get(name, ("", name))[1] if by_option else name for name in named}
        lines = [f"  {labels[name]}: {errors[name]}" for name in named]
        raise click.ClickException("nothing was saved:\n" + "\n".join(lines))


sites.add_command(tune)
