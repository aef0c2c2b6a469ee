"""First start of an installation: migrate, the demo site, and a first admin to log in with."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import func, select

from service.settings import database_url, load_settings

FIRST_ADMIN = "admin@localhost"


def prepare_installation(environ: Mapping[str, str], demo_origins: list[str]) -> str | None:
    """Migrate and ensure the demo site; returns a new admin's one-time password, if one was made.

    An admin is created only while there is no moderator account at all, so an installation
    that has its own accounts never gets a default one.
    """
    from service import create_app
    from service.domain.accounts import create_moderator
    from service.domain.sites import ensure_site
    from service.storage import db
    from service.storage.states import Role
    from service.storage.tables import Moderator

    settings = load_settings(environ)
    db.upgrade(database_url(settings))
    app = create_app(settings)
    password = None
    with app.app_context():
        try:
            with db.session_scope() as session:
                ensure_site(session, "demo", "Demo blog", demo_origins)
                if not session.scalar(select(func.count()).select_from(Moderator)):
                    password = secrets.token_urlsafe(12)
                    create_moderator(session, FIRST_ADMIN, password, Role.ADMIN, [])
        finally:
            db.engine().dispose()
    return password
