"""Every HTTP surface of Sieve: the JSON API (``api``), the moderator pages (``moderate``), the
ops pages (``ops``) and ``/metrics`` (``metrics``), the comment widget and its demo article
(``widget``), health probes, CORS, security headers, logins and tokens (``auth``), rate limits
(``limits``) and the rendering of errors; with their templates and static files.

Imports ``service.domain``, ``service.pipeline``, ``service.storage`` and ``service.settings``;
only ``create_app`` and the cli import it.
"""
