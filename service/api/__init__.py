"""The JSON API, version 1."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from service.api import comments, openapi, threads  # noqa: E402,F401  (routes register on import)
