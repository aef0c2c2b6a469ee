"""The site keys page: admins create a key (shown once), see its use and revoke it."""

from __future__ import annotations

import re

from sqlalchemy import select

from service.domain.site_keys import count_use, find_key
from service.storage import db
from service.storage.tables import ChangeEvent
from tests.web.moderation.fixtures import accounts, csrf_of, login  # noqa: F401  (fixtures)


def test_an_admin_creates_sees_and_revokes_a_site_key(app, login):  # noqa: F811
    admin = login("admin")
    page = admin.get("/moderate/sites/demo/keys")
    assert page.status_code == 200 and "No keys yet." in page.text
    created = admin.post(
        "/moderate/sites/demo/keys", data={"csrf_token": csrf_of(page.text), "name": "coral"}
    )
    assert created.status_code == 200
    key = re.search(r'<code id="new-key">([a-z0-9]{12})</code>', created.text).group(1)
    with app.app_context(), db.session_scope() as session:
        record = find_key(session, key)
        count_use(session, record, api_calls=3, spam=1, ham=2)
        key_id = record.id

    listed = admin.get("/moderate/sites/demo/keys").text
    assert key not in listed  # shown once, never again
    assert f"{key[:4]}…" in listed and "coral" in listed
    assert "<td>3</td><td>1 / 2</td>" in listed

    revoked = admin.post(
        f"/moderate/sites/demo/keys/{key_id}/revoke", data={"csrf_token": csrf_of(listed)}
    )
    assert revoked.status_code == 302
    assert "revoked" in admin.get("/moderate/sites/demo/keys").text
    with app.app_context(), db.session_scope() as session:
        assert find_key(session, key) is None
        events = session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
    assert [(e.action, e.via) for e in events if "site_key" in e.action] == [
        ("create_site_key", "page"),
        ("revoke_site_key", "page"),
    ]


def test_site_keys_are_for_admins_only(login):  # noqa: F811
    moderator = login("demo")
    assert moderator.get("/moderate/sites/demo/keys").status_code == 403
