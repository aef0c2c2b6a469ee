"""The OpenAPI document is true: every route is in it, and real responses match its schemas."""

from __future__ import annotations

import re

import jsonschema
import pytest

from tests.web.test_api_comments import GOOD

IGNORED = {"static"}
# The JSON API, the probes, and the compatible APIs' routes (Akismet's /1.1 and /1.2,
# Perspective's /v1alpha1 and its discovery document).
DOCUMENTED = ("/api/", "/healthz", "/readyz", "/1.1/", "/1.2/", "/v1alpha1/", "/$discovery/")


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def spec_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_route_is_documented_and_every_documented_route_exists(app, client):
    doc = document(client)
    routes = {
        (spec_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED and rule.rule.startswith(DOCUMENTED)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes == documented


def validate(doc: dict, path: str, method: str, response) -> None:
    """Check a real response against the schema documented for its path, method and status."""
    documented = doc["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, f"{response.status_code} not documented"
    schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
    root = {**schema, "components": doc["components"]}
    jsonschema.Draft202012Validator(root).validate(response.get_json())


def test_documented_request_schema_accepts_what_the_api_accepts(client):
    doc = document(client)
    schema = doc["components"]["schemas"]["NewComment"]
    jsonschema.Draft202012Validator(schema).validate(GOOD)
    assert set(schema["properties"]) >= set(GOOD)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (GOOD, 202),
        ({**GOOD, "site": "nowhere"}, 404),
        ({**GOOD, "author_name": ""}, 400),
        ({**GOOD, "body": "x" * 6000}, 413),
    ],
)
def test_submit_responses_match_the_document(client, payload, status):
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == status
    validate(document(client), "/api/v1/comments", "post", response)


def test_other_responses_match_the_document(client):
    doc = document(client)
    created = client.post("/api/v1/comments", json=GOOD).get_json()["id"]
    path = "/api/v1/comments/{comment_id}"
    validate(doc, path, "get", client.get(f"/api/v1/comments/{created}"))
    validate(doc, path, "get", client.get("/api/v1/comments/999999"))
    listing = "/api/v1/threads/comments"
    validate(doc, listing, "get", client.get(f"{listing}?site=demo&thread=hello-world"))
    validate(doc, listing, "get", client.get(f"{listing}?site=demo"))
    validate(doc, listing, "get", client.get(f"{listing}?site=nope&thread=x"))
    validate(doc, "/healthz", "get", client.get("/healthz"))
    validate(doc, "/readyz", "get", client.get("/readyz"))
    wrong_type = client.post("/api/v1/comments", data="x", content_type="text/plain")
    validate(doc, "/api/v1/comments", "post", wrong_type)
