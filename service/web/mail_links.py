"""The links in Sieve's mail: confirming a reader's wish to hear of replies (the second half of
the double opt-in), and stopping reply notifications or a moderator's digest in one click.

A GET only shows a button: mail scanners open links, and must not confirm or unsubscribe
anyone. The POST does it; mail clients' one-click unsubscribe (RFC 8058) posts straight to the
link, so these forms need no CSRF token: the token in the link is the credential.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template, request

from service.domain import mail
from service.storage import db

mail_links = Blueprint("mail_links", __name__, url_prefix="/mail")

_PAGES = {
    "confirm": ("Tell me of replies", "Send me an e-mail when someone replies to my comment.",
                "Yes, tell me of replies", "Done: you will get an e-mail for each published reply "
                "to your comment. Every one has a link to stop them."),
    "unsubscribe": ("Stop reply notifications", "No more e-mails about replies to this comment.",
                    "Stop them", "Done: no more e-mails about replies to this comment."),
    "digest-off": ("Stop the moderation digest", "No more digests of comments waiting for you.",
                   "Stop the digest", "Done: no more digests. You can turn them on again on "
                   "your account page."),
}  # fmt: skip


def _page(kind: str, token: str, done: bool, status: int = 200):
    title, question, button, answer = _PAGES[kind]
    return render_template(
        "mail/link.html", title=title, question=question, button=button,
        answer=answer if done else None, action=request.path,
    ), status  # fmt: skip


def _act(kind: str, token: str) -> object:
    secret = current_app.config["SIEVE"].secret_key
    with db.session_scope() as session:
        if kind == "confirm":
            found = mail.confirm(session, token)
        elif kind == "unsubscribe":
            found = mail.unsubscribe(session, secret, token)
        else:
            found = mail.digest_off(session, secret, token)
    return found


@mail_links.route(
    "/<any(confirm, unsubscribe, 'digest-off'):kind>/<token>", methods=["GET", "POST"]
)
def link(kind: str, token: str):
    if len(token) > 200:
        abort(404)
    if request.method == "GET":
        return _page(kind, token, done=False)
    if _act(kind, token) is None:
        return render_template("mail/link.html", title="Link not valid", question=None,
                               answer="This link is not valid, or no longer.", button=None,
                               action=None), 404  # fmt: skip
    return _page(kind, token, done=True)


def init_app(app: Flask) -> None:
    app.register_blueprint(mail_links)
