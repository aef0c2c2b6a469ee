"""Logging in and out, and personal API tokens."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.domain.accounts import LoginRefused, authenticate, create_token, revoke_token
from service.domain.privacy import ip_hash
from service.storage import db
from service.storage.tables import ApiToken, Moderator
from service.web.auth import current_moderator, log_in, log_out, login_required
from service.web.limits import client_ip, limiter
from service.web.moderate import moderate, safe_next


def _login_key() -> str:
    from service.web.api.requests import settings

    hashed = ip_hash(settings().secret_key, client_ip())
    return f"{settings().rate_limit_key_prefix}:login:{hashed}"


def _login_rate() -> str:
    from service.web.api.requests import settings

    return settings().rate_limit_login


@moderate.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, key_func=_login_key, methods=["POST"], scope="login")
def login() -> Response | str:
    if request.method == "GET":
        if current_moderator() is not None:
            return redirect(safe_next(url_for("moderate.queue")))
        return render_template("moderate/login.html", email="")
    email = request.form.get("email", "")
    with db.session_scope() as session:
        # Caught inside the transaction, so that a failed attempt is counted, not rolled back.
        try:
            log_in(authenticate(session, email, request.form.get("password", "")))
        except LoginRefused as refused:
            return render_template("moderate/login.html", email=email, error=str(refused)), 401
    return redirect(safe_next(url_for("moderate.queue")))


@moderate.post("/logout")
@login_required
def logout() -> Response:
    with db.session_scope() as session:
        log_out(session, session.get(Moderator, current_moderator().id))
    flash("You are logged out.")
    return redirect(url_for("moderate.login"))


def _tokens_page(session, new_token: str | None) -> str:
    mine = session.scalars(
        select(ApiToken)
        .where(ApiToken.moderator_id == current_moderator().id)
        .order_by(ApiToken.id.desc())
    ).all()
    me = session.get(Moderator, current_moderator().id)
    mail_on = bool(current_app.config["SIEVE"].smtp_url)
    return render_template(
        "moderate/tokens.html", tokens=mine, new_token=new_token, me=me, mail_on=mail_on,
        digest_minutes=current_app.config["SIEVE"].digest_minutes,
    )  # fmt: skip


@moderate.get("/tokens")
@login_required
def tokens() -> str:
    with db.session_scope() as session:
        return _tokens_page(session, None)


@moderate.post("/tokens")
@login_required
def create_api_token() -> str:
    with db.session_scope() as session:
        moderator = session.get(Moderator, current_moderator().id)
        token, _ = create_token(session, moderator, request.form.get("name", ""))
        # Shown once: only the hash is kept.
        return _tokens_page(session, token)


@moderate.post("/digest")
@login_required
def digest_preference() -> Response:
    wanted = request.form.get("digest") == "on"
    with db.session_scope() as session:
        session.get(Moderator, current_moderator().id).digest_enabled = wanted
    flash("The digest is on." if wanted else "The digest is off.")
    return redirect(url_for("moderate.tokens"))


@moderate.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> Response:
    with db.session_scope() as session:
        revoked = revoke_token(session, current_moderator(), token_id)
    flash("Token revoked." if revoked else "No such token.")
    return redirect(url_for("moderate.tokens"))
