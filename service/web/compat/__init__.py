"""Wire-compatible stand-ins for Google's Perspective API (``perspective``) and Akismet
(``akismet``): existing comment systems switch to Sieve by changing one URL. Both take a site
key (``sieve keys create``), judge with the same classifier and the key's site policy, in the
web process, and answer in their API's own formats, errors included."""

from __future__ import annotations

from flask import Flask, Response, request

AKISMET_PREFIXES = ("/1.1/", "/1.2/")
PERSPECTIVE_PREFIXES = ("/v1alpha1/", "/$discovery/")


def init_app(app: Flask) -> None:
    from service.web.compat import akismet, perspective

    perspective.init_app(app)
    akismet.init_app(app)
    app.after_request(_routing_errors)


def _routing_errors(response: Response) -> Response:
    """A wrong method or an unknown path under one of these APIs never reaches its blueprint
    (Flask routes before it): answer it in that API's format too, not in Sieve's."""
    if request.blueprint is not None or response.status_code < 400:
        return response
    from service.web.compat.akismet import plain_text_errors
    from service.web.compat.google_errors import google_shaped

    if request.path.startswith(AKISMET_PREFIXES):
        return plain_text_errors(response)
    if request.path.startswith(PERSPECTIVE_PREFIXES):
        return google_shaped(response)
    return response
