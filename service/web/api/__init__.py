"""The JSON API, version 1."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from service.web.api import (  # noqa: E402,F401  (routes register on import)
    analyze,
    comments,
    learning,
    moderation,
    openapi,
    sites,
    threads,
)


@api.after_request
def _echo_request_id(response):
    from service.web.api.requests import request_id

    response.headers["X-Request-ID"] = request_id()
    return response
