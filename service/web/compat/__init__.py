"""Wire-compatible stand-ins for Google's Perspective API (``perspective``) and Akismet
(``akismet``): existing comment systems switch to Sieve by changing one URL. Both take a site
key (``sieve keys create``), judge with the same classifier and the key's site policy, in the
web process, and answer in their API's own formats, errors included."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from service.web.compat import akismet, perspective

    perspective.init_app(app)
    akismet.init_app(app)
