"""Who is asking: moderator sessions for the UI, bearer tokens for the JSON API, CSRF checks."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy.orm import Session

from service.domain.accounts import moderator_for_token
from service.domain.refusals import ApiError
from service.storage import db
from service.storage.tables import Moderator

View = TypeVar("View", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"


def log_in(moderator: Moderator) -> None:
    # A fresh session on every login: nothing set before it (a planted cookie) survives.
    session.clear()
    session["moderator_id"] = moderator.id
    session["epoch"] = moderator.session_epoch
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    session.permanent = True


def log_out(db_session: Session, moderator: Moderator) -> None:
    """End this and every other session of the moderator (their cookies no longer match)."""
    moderator.session_epoch += 1
    db_session.flush()
    session.clear()


def current_moderator() -> Moderator | None:
    """The logged-in moderator, loaded once per request; None for anyone else."""
    if "moderator" not in g:
        g.moderator = None
        moderator_id = session.get("moderator_id")
        if moderator_id is not None:
            with db.session_scope() as db_session:
                moderator = db_session.get(Moderator, moderator_id)
                if (
                    moderator is not None
                    and moderator.active
                    and moderator.session_epoch == session.get("epoch")
                ):
                    moderator.sites  # noqa: B018  (loaded now, used after the session closes)
                    g.moderator = moderator
    return g.moderator


def login_required(view: View) -> View:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_moderator() is None:
            return redirect(url_for("moderate.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def admin_required(view: View) -> View:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        moderator = current_moderator()
        if moderator is None:
            return redirect(url_for("moderate.login", next=request.full_path))
        if not moderator.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def csrf_token() -> str:
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf() -> None:
    """Refuse a state-changing request that does not carry this session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    expected = session.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(403, description="the form has expired or did not come from Sieve; reload the page")


def token_moderator() -> Moderator:
    """The moderator behind the request's ``Authorization: Bearer`` token, else 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send a personal API token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="sieve"'},
        )
    with db.session_scope() as db_session:
        moderator = moderator_for_token(db_session, token.strip())
        if moderator is not None:
            moderator.sites  # noqa: B018
    if moderator is None:
        raise ApiError(
            401,
            "unauthorized",
            "the token is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="sieve", error="invalid_token"'},
        )
    return moderator
