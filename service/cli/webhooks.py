"""``sieve webhooks``: a site's signed webhooks from a terminal; the same as its admin page."""

from __future__ import annotations

import click

from service.cli.context import command_app, site_or_exit


def _hook(session, hook_id: int):
    from service.storage.tables import Webhook

    hook = session.get(Webhook, hook_id)
    if hook is None:
        raise click.ClickException(f"there is no webhook #{hook_id}")
    return hook


def _allow_private() -> bool:
    from flask import current_app

    settings = current_app.config["SIEVE"]
    return settings.webhook_allow_private or not settings.is_production


@click.group()
def webhooks() -> None:
    """Signed webhooks: comment.created and comment.decided, POSTed to a site's endpoints."""


@webhooks.command("add")
@click.option("--site", "slug", required=True)
@click.option("--url", required=True, help="https://… that receives the events")
@click.option(
    "--events",
    default="comment.created,comment.decided",
    show_default=True,
    help="comma-separated",
)
def add(slug: str, url: str, events: str) -> None:
    """Add a webhook; its signing secret is printed once, as the last line."""
    from service.domain.audit import Actor
    from service.domain.webhooks import WebhookRefused, add_webhook
    from service.storage import db

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug)
        try:
            hook, secret = add_webhook(
                session, site, url, events.split(","), Actor.terminal(), _allow_private()
            )
        except WebhookRefused as error:
            raise click.ClickException(f"{error}; nothing was saved") from None
        click.echo(f"webhook #{hook.id} for {site.slug}: {hook.url} ({', '.join(hook.events)})")
        click.echo("signing secret, shown only now:")
        click.echo(secret)


@webhooks.command("list")
@click.option("--site", "slug", help="only this site's")
def list_(slug: str | None) -> None:
    """Webhooks with their state and how their latest deliveries went."""
    from sqlalchemy import func, select

    from service.domain.webhooks import webhooks_of
    from service.storage import db
    from service.storage.tables import WebhookDelivery

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug) if slug else None
        for hook in webhooks_of(session, site):
            counts = dict(
                session.execute(
                    select(WebhookDelivery.status, func.count())
                    .where(WebhookDelivery.webhook_id == hook.id)
                    .group_by(WebhookDelivery.status)
                ).all()
            )
            state = "active" if hook.active else "disabled"
            tally = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no deliveries"
            click.echo(f"#{hook.id}\t{hook.site.slug}\t{state}\t{hook.url}\t"
                       f"{','.join(hook.events)}\t{tally}")  # fmt: skip


def _toggle(hook_id: int, active: bool) -> None:
    from service.domain.audit import Actor
    from service.domain.webhooks import set_active
    from service.storage import db

    with command_app(), db.session_scope() as session:
        set_active(session, _hook(session, hook_id), active, Actor.terminal())
    click.echo(f"webhook #{hook_id} {'enabled' if active else 'disabled'}")


@webhooks.command("disable")
@click.argument("hook_id", type=int)
def disable(hook_id: int) -> None:
    """Stop sending events to it (pending deliveries are cancelled)."""
    _toggle(hook_id, False)


@webhooks.command("enable")
@click.argument("hook_id", type=int)
def enable(hook_id: int) -> None:
    _toggle(hook_id, True)


@webhooks.command("delete")
@click.argument("hook_id", type=int)
def delete(hook_id: int) -> None:
    """Delete a webhook and its delivery log."""
    from service.domain.audit import Actor
    from service.domain.webhooks import delete_webhook
    from service.storage import db

    with command_app(), db.session_scope() as session:
        delete_webhook(session, _hook(session, hook_id), Actor.terminal())
    click.echo(f"webhook #{hook_id} deleted")


@webhooks.command("rotate")
@click.argument("hook_id", type=int)
def rotate(hook_id: int) -> None:
    """A new signing secret (the last line); the old one also signs for 24 hours."""
    from service.domain.audit import Actor
    from service.domain.webhooks import rotate_secret
    from service.storage import db

    with command_app(), db.session_scope() as session:
        hook = _hook(session, hook_id)
        secret = rotate_secret(session, hook, Actor.terminal())
        until = hook.previous_secret_until
    click.echo(f"webhook #{hook_id}: requests carry both signatures until {until:%Y-%m-%d %H:%M} "
               "UTC; new secret, shown only now:")  # fmt: skip
    click.echo(secret)


@webhooks.command("deliveries")
@click.argument("hook_id", type=int)
@click.option("--limit", default=20, show_default=True)
def deliveries(hook_id: int, limit: int) -> None:
    """The delivery log: status, time, response code, duration, attempts."""
    from service.domain.webhooks import deliveries_of
    from service.storage import db

    with command_app(), db.session_scope() as session:
        for d in deliveries_of(session, _hook(session, hook_id), limit):
            when = d.last_attempt_at or d.created_at
            click.echo(f"#{d.id}\t{d.event_type}\t{d.status}\t{when:%Y-%m-%d %H:%M:%S}\t"
                       f"HTTP {d.response_code or '-'}\t{d.duration_ms or '-'} ms\t"
                       f"{d.attempts} attempts\t{d.error or ''}")  # fmt: skip


@webhooks.command("redeliver")
@click.argument("delivery_id", type=int)
def redeliver_command(delivery_id: int) -> None:
    """Send a delivery's event again (a new Sieve-Delivery id)."""
    from service.domain.webhooks import redeliver
    from service.pipeline.outbox import enqueue
    from service.storage import db
    from service.storage.tables import WebhookDelivery

    with command_app():
        with db.session_scope() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                raise click.ClickException(f"there is no delivery #{delivery_id}")
            again = redeliver(session, delivery)
            new_id = again.id
        enqueue("webhooks", new_id)
    click.echo(f"delivery #{delivery_id} sent again as #{new_id}")
