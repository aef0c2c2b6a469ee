"""Admin-only webhooks of a site: add, enable or disable, rotate the secret, delete; the
delivery log with redelivery. The same as ``sieve webhooks``."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from service.domain.audit import Actor
from service.domain.webhooks import (
    EVENTS,
    WebhookRefused,
    add_webhook,
    delete_webhook,
    deliveries_of,
    redeliver,
    rotate_secret,
    set_active,
    webhooks_of,
)
from service.pipeline.outbox import enqueue
from service.storage import db
from service.storage.tables import Webhook, WebhookDelivery
from service.web.auth import admin_required, current_moderator
from service.web.moderate import moderate, site_or_404


def _actor() -> Actor:
    return Actor.moderator(current_moderator(), "page")


def _hook(session, slug: str, hook_id: int) -> Webhook:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.site.slug != slug:
        abort(404)
    return hook


def _page(slug: str, new_secret: tuple[int, str] | None = None, error: str | None = None):
    with db.session_scope() as session:
        site = site_or_404(session, slug)
        hooks = webhooks_of(session, site)
        counts = {
            (hook_id, status): n
            for hook_id, status, n in session.execute(
                select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
                .where(WebhookDelivery.webhook_id.in_([h.id for h in hooks] or [-1]))
                .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)
            )
        }
        page = render_template(
            "moderate/webhooks.html", site=site, hooks=hooks, counts=counts, events=EVENTS,
            new_secret=new_secret, error=error, typed=request.form,
        )  # fmt: skip
    return page, 400 if error else 200


@moderate.get("/sites/<slug>/webhooks")
@admin_required
def site_webhooks(slug: str):
    return _page(slug)


@moderate.post("/sites/<slug>/webhooks")
@admin_required
def add_site_webhook(slug: str):
    settings = current_app.config["SIEVE"]
    allow_private = settings.webhook_allow_private or not settings.is_production
    try:
        with db.session_scope() as session:
            site = site_or_404(session, slug)
            hook, secret = add_webhook(
                session, site, request.form.get("url", ""), request.form.getlist("events"),
                _actor(), allow_private,
            )  # fmt: skip
            hook_id = hook.id
    except WebhookRefused as error:
        return _page(slug, error=f"Nothing was saved: {error}.")
    # The secret is shown on this response only.
    return _page(slug, new_secret=(hook_id, secret))


@moderate.post("/sites/<slug>/webhooks/<int:hook_id>/<any(enable, disable, rotate, delete):act>")
@admin_required
def change_site_webhook(slug: str, hook_id: int, act: str):
    with db.session_scope() as session:
        hook = _hook(session, slug, hook_id)
        if act == "rotate":
            secret = rotate_secret(session, hook, _actor())
        elif act == "delete":
            delete_webhook(session, hook, _actor())
        else:
            set_active(session, hook, act == "enable", _actor())
    if act == "rotate":
        return _page(slug, new_secret=(hook_id, secret))
    flash(f"Webhook #{hook_id} {act}d.")
    return redirect(url_for("moderate.site_webhooks", slug=slug))


@moderate.get("/sites/<slug>/webhooks/<int:hook_id>/deliveries")
@admin_required
def webhook_deliveries(slug: str, hook_id: int) -> str:
    with db.session_scope() as session:
        hook = _hook(session, slug, hook_id)
        rows = deliveries_of(session, hook, limit=100)
        return render_template("moderate/deliveries.html", hook=hook, deliveries=rows,
                               site=hook.site)  # fmt: skip


@moderate.post("/sites/<slug>/webhooks/<int:hook_id>/deliveries/<int:delivery_id>/redeliver")
@admin_required
def redeliver_webhook(slug: str, hook_id: int, delivery_id: int) -> Response:
    with db.session_scope() as session:
        hook = _hook(session, slug, hook_id)
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.webhook_id != hook.id:
            abort(404)
        again = redeliver(session, delivery).id
    enqueue("webhooks", again)
    flash(f"Delivery #{delivery_id} sent again as #{again}.")
    return redirect(url_for("moderate.webhook_deliveries", slug=slug, hook_id=hook_id))
