"""The Perspective-compatible API, driven by the real google-api-python-client through its
discovery document on a live loopback server, and by replays of what Coral and Commento++ send."""

from __future__ import annotations

import csv
import http.client
import json
import threading
import time
from collections.abc import Iterator

import pytest
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from sqlalchemy import func, select
from werkzeug.serving import make_server

from service.domain.audit import Actor
from service.domain.labels import write_labels
from service.domain.site_keys import create_key, find_key, usage_of
from service.domain.sites import find_site
from service.pipeline.classifier import classifier_holder
from service.storage import db
from service.storage.tables import Comment, Feedback
from service.web.compat import languages
from service.web.compat.attributes import ATTRIBUTES
from service.web.compat.google_errors import google_shaped
from service.web.errors import error_response
from tests.web.test_openapi import validate

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
# An emoji (two UTF-16 code units, one Python character) before the insult.
EMOJI_INSULT = "Have a nice day 😀. You are a stupid idiot."
BENIGN = "Thanks for the thoughtful article, I learned a lot about the harbour's history."
GERMAN = "Das ist ein ganz normaler Kommentar über das Wetter und die Stadt."


@pytest.fixture
def key(app) -> str:
    with app.app_context(), db.session_scope() as session:
        key, _ = create_key(session, find_site(session, "demo"), "coral", Actor.terminal())
    return key


@pytest.fixture
def live(app) -> Iterator[str]:
    """The app served on a loopback port, its models loaded first as ``service.wsgi`` does."""
    with app.app_context():
        classifier_holder().load()
    languages.load()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval: shutting down waits for one.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def analyzer(live: str, key: str):
    """google-api-python-client's client for commentanalyzer, built from Sieve's document."""
    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=f"{live}/$discovery/rest?version=v1alpha1",
        static_discovery=False,
        cache_discovery=False,
    )


def utf16_slice(text: str, begin: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * begin : 2 * end].decode("utf-16-le")


def post(client, path: str, key: str | None, body: object, **kwargs):
    query = f"?key={key}" if key is not None else ""
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path + query, data=data, content_type="application/json", **kwargs)


def error_of(response) -> dict:
    assert response.is_json, response.data
    return response.get_json()["error"]


def feedback_rows(app) -> list[Feedback]:
    with app.app_context(), db.session_scope() as session:
        rows = list(session.scalars(select(Feedback).order_by(Feedback.id)))
        session.expunge_all()
    return rows


def calls_of(app, key: str) -> int:
    with app.app_context(), db.session_scope() as session:
        return usage_of(session, find_key(session, key))["api_calls"]


def test_python_client_analyzes_several_attributes_with_utf16_spans(app, live, key):
    response = (
        analyzer(live, key)
        .comments()
        .analyze(
            body={
                "comment": {"text": EMOJI_INSULT},
                "requestedAttributes": {
                    "TOXICITY": {},
                    "INSULT@v2": {},
                    "PROFANITY": {},
                    "SPAM": {},
                },
                "spanAnnotations": True,
                "clientToken": "check-1",
            }
        )
        .execute()
    )
    scores = response["attributeScores"]
    assert set(scores) == {"TOXICITY", "INSULT@v2", "PROFANITY", "SPAM"}
    assert scores["TOXICITY"]["summaryScore"]["value"] > 0.8
    assert scores["INSULT@v2"]["summaryScore"] == {
        "value": pytest.approx(0.9, abs=0.1),
        "type": "PROBABILITY",
    }
    assert scores["SPAM"]["summaryScore"]["value"] < 0.2
    spans = {
        utf16_slice(EMOJI_INSULT, s["begin"], s["end"]): s
        for s in scores["INSULT@v2"]["spanScores"]
    }
    assert "idiot" in spans
    # UTF-16 counts the emoji twice: one more than Python's index.
    assert spans["idiot"]["begin"] == EMOJI_INSULT.index("idiot") + 1
    assert spans["idiot"]["end"] - spans["idiot"]["begin"] == len("idiot")
    assert spans["idiot"]["score"]["value"] > 0.5
    # No span raised the spam score: one span covers the whole text, with its summary score.
    [whole] = scores["SPAM"]["spanScores"]
    assert (whole["begin"], whole["end"]) == (0, len(EMOJI_INSULT) + 1)
    assert response["languages"] == response["detectedLanguages"] == ["en"]
    assert response["clientToken"] == "check-1"
    assert calls_of(app, key) == 1


def test_python_client_leaves_out_scores_below_their_threshold(live, key):
    comments = analyzer(live, key).comments()
    toxic = comments.analyze(
        body={
            "comment": {"text": "You are a stupid idiot."},
            "requestedAttributes": {
                "TOXICITY": {"scoreThreshold": 0.5},
                "SPAM": {"scoreThreshold": 0.5},
                "THREAT": {},
            },
        }
    ).execute()
    assert set(toxic["attributeScores"]) == {"TOXICITY", "THREAT"}
    assert "spanScores" not in toxic["attributeScores"]["TOXICITY"]
    benign = comments.analyze(
        body={
            "comment": {"text": BENIGN},
            "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.5}},
        }
    ).execute()
    assert "attributeScores" not in benign
    assert benign["languages"] == ["en"]


def test_python_client_suggestscore_becomes_a_labelled_example(app, live, key, tmp_path):
    response = (
        analyzer(live, key)
        .comments()
        .suggestscore(
            body={
                "comment": {"text": "Get lost, nobody wants you here."},
                "attributeScores": {
                    "TOXICITY": {"summaryScore": {"value": 1}},
                    "SPAM": {"summaryScore": {"value": 0}},
                    "FLIRTATION": {"summaryScore": {"value": 1}},  # approximate: not learnt
                },
                "communityId": "forum:general",
                "clientToken": "suggest-7",
                "languages": ["en"],
            }
        )
        .execute()
    )
    assert response["clientToken"] == "suggest-7"
    [row] = feedback_rows(app)
    assert (row.source, row.text) == ("perspective", "Get lost, nobody wants you here.")
    assert row.labels == {"toxicity": 1.0, "spam": 0.0}
    assert (row.community_id, row.client_token) == ("forum:general", "suggest-7")
    with app.app_context(), db.session_scope() as session:
        assert row.site_id == find_site(session, "demo").id
        write_labels(session, tmp_path / "labels.csv")
    exported = list(csv.DictReader((tmp_path / "labels.csv").read_text().splitlines()))
    [example] = [r for r in exported if r["decision"] == "feedback:perspective"]
    assert example["text"] == "Get lost, nobody wants you here."
    assert (example["toxicity"], example["spam"], example["site"]) == ("1", "0", "demo")
    assert calls_of(app, key) == 1


def test_python_client_raises_http_error_for_a_bad_key_and_an_unknown_attribute(live, key):
    body = {"comment": {"text": "hello there"}, "requestedAttributes": {"TOXICITY": {}}}
    with pytest.raises(HttpError) as bad_key:
        analyzer(live, "notakey12345").comments().analyze(body=body).execute()
    assert bad_key.value.status_code == 400
    assert bad_key.value.reason == "API key not valid. Please pass a valid API key."
    unknown = {**body, "requestedAttributes": {"TOXICITY": {}, "OFF_TOPIC": {}}}
    with pytest.raises(HttpError) as bad_attribute:
        analyzer(live, key).comments().analyze(body=unknown).execute()
    assert bad_attribute.value.status_code == 400
    assert bad_attribute.value.reason == "Unknown requested attribute: OFF_TOPIC"
    assert bad_attribute.value.error_details[0]["errorType"] == "INVALID_REQUEST"


def timed_post(live: str, path: str, body: str) -> tuple[int, dict, float]:
    """One raw HTTP request, as a Node client sends it; its status, JSON body and seconds."""
    host, port = live.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    began = time.perf_counter()
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    elapsed = time.perf_counter() - began
    connection.close()
    return response.status, payload, elapsed


def test_coral_analyze_and_suggestscore_are_answered_well_inside_its_timeout(app, live, key):
    # What Coral 9's sendToPerspective builds: JSON.stringify of its bodies, the key appended
    # to the custom endpoint's URL.
    text = "You are a stupid idiot and everyone here knows it."
    analyze = {
        "comment": {"text": text},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }
    status, payload, elapsed = timed_post(
        live, f"{ANALYZE}?key={key}", json.dumps(analyze, separators=(",", ":"))
    )
    assert status == 200
    assert payload["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.8  # Coral's 0.80
    assert elapsed < 0.4
    context = {"url": "https://news.example/story?commentID=c-41", "Coral_comment_id": "c-41"}
    suggest = {
        "comment": {"text": text},
        "context": {"entries": [{"text": json.dumps(context, separators=(",", ":"))}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "languages": ["en"],
        "communityId": "Coral:https://news.example",
        "clientToken": "comment:c-41",
    }
    status, payload, elapsed = timed_post(
        live, f"{SUGGEST}?key={key}", json.dumps(suggest, separators=(",", ":"))
    )
    assert status == 200
    assert payload["clientToken"] == "comment:c-41"
    assert elapsed < 0.4
    [row] = feedback_rows(app)
    assert (row.text, row.labels) == (text, {"toxicity": 1.0})
    assert (row.community_id, row.client_token) == ("Coral:https://news.example", "comment:c-41")
    assert calls_of(app, key) == 2


@pytest.mark.parametrize(
    "body",
    [
        # Commento++'s isToxic: the markdown pasted into a JavaScript-style literal.
        '{comment: {text: "You are a stupid idiot\nand a liar"},\n'
        '       languages: ["en"],\n       requestedAttributes: {TOXICITY:{}} }',
        # Perspective's curl quickstart, with single quotes and trailing commas.
        "{'comment': {'text': 'You\\'re a stupid idiot',},"
        " 'requestedAttributes': {TOXICITY: {},},}",
    ],
    ids=["commento", "quickstart"],
)
def test_lenient_bodies_are_read(live, key, body):
    status, payload, elapsed = timed_post(live, f"{ANALYZE}?key={key}", body)
    assert status == 200, payload
    assert payload["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    assert elapsed < 0.4


def test_a_call_without_a_key_is_refused_403(client):
    response = post(client, ANALYZE, None, {"comment": {"text": "hi"}})
    assert response.status_code == 403
    assert error_of(response) == {
        "code": 403,
        "message": "The request is missing a valid API key.",
        "status": "PERMISSION_DENIED",
    }


def test_the_key_rate_limit_answers_google_429(make_app):
    app = make_app(rate_limit_key="2/minute")
    with app.app_context(), db.session_scope() as session:
        key, _ = create_key(session, find_site(session, "demo"), "busy", Actor.terminal())
    client = app.test_client()
    body = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
    first = post(client, ANALYZE, key, body)
    # One budget per key, across both methods.
    second = post(client, SUGGEST, key, {"comment": {"text": "hello"}, "attributeScores": {}})
    third = post(client, ANALYZE, key, body)
    assert (first.status_code, second.status_code, third.status_code) == (200, 400, 429)
    error = error_of(third)
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["message"].startswith("Quota exceeded")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert int(third.headers["Retry-After"]) > 0


def test_a_language_sieve_does_not_read_is_refused_unless_dropped(client, key):
    body = {"comment": {"text": GERMAN}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}}
    refused = post(client, ANALYZE, key, body)
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["message"] == "Attribute TOXICITY does not support request languages: de"
    assert error["details"][0] == {
        "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
        "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        "languageNotSupportedByAttributeError": {
            "detectedLanguages": ["de"],
            "attribute": "TOXICITY",
        },
    }
    dropped = post(client, ANALYZE, key, {**body, "dropUnsupportedAttributes": True})
    assert dropped.status_code == 200
    assert dropped.get_json() == {"languages": ["de"], "detectedLanguages": ["de"]}
    # The client's languages win over detection (Coral sends its site's locale).
    spanish = post(
        client, ANALYZE, key, {**body, "comment": {"text": "hello"}, "languages": ["es"]}
    )
    assert error_of(spanish)["message"].endswith("request languages: es")
    suggest = {
        "comment": {"text": GERMAN},
        "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
    }
    assert error_of(post(client, SUGGEST, key, suggest))["message"] == (
        "Attribute INSULT does not support request languages: de"
    )
    # Too short to tell: English, the language Sieve reads.
    short = post(client, ANALYZE, key, {**body, "comment": {"text": "Sehr gut!"}})
    assert short.status_code == 200
    assert short.get_json()["detectedLanguages"] == ["en"]


def ask(text: str | None = "hi", attributes: dict | None = None, **more: object) -> dict:
    """An analyze body: ``text`` (None: no comment) scored for TOXICITY, unless told otherwise."""
    comment = {} if text is None else {"comment": {"text": text}}
    return {**comment, "requestedAttributes": attributes or {"TOXICITY": {}}, **more}


@pytest.mark.parametrize(
    ("body", "error_type", "message"),
    [
        (ask(None), "COMMENT_EMPTY", "Comment must be non-empty."),
        (ask("  "), "COMMENT_EMPTY", None),
        (ask("x" * 20_481), "COMMENT_TOO_LONG", "Comment text too long."),
        ({"comment": {"text": "hi"}}, "NO_REQUESTED_ATTRIBUTES", None),
        ({"comment": {"text": "hi"}, "requestedAttributes": {}}, "NO_REQUESTED_ATTRIBUTES", None),
        (ask(comment={"text": "<b>hi</b>", "type": "HTML"}), "INVALID_REQUEST", None),
        (ask(attributes={"TOXICITY": {"scoreThreshold": 2}}), "INVALID_REQUEST", None),
        (ask(attributes={"TOXICITY": {"scoreType": "RAW"}}), "INVALID_REQUEST", None),
        (
            ask(mood="sunny"),
            "INVALID_REQUEST",
            'Invalid JSON payload received. Unknown name "mood": Cannot find field.',
        ),
        (ask(context={"entries": [], "articleAndParentComment": {}}), "INVALID_REQUEST", None),
        ("{comment: ", "INVALID_REQUEST", None),
    ],
)
def test_bad_input_is_refused_in_googles_shape(client, key, body, error_type, message):
    response = post(client, ANALYZE, key, body)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["details"][0]["errorType"] == error_type
    if message:
        assert error["message"] == message


def test_a_text_of_the_full_length_is_scored_whatever_its_encoded_size(client, key):
    # 20,480 emoji, JSON-escaped as google-api-python-client sends them: 240 KB, well over the
    # server-wide body limit that the comment API keeps.
    assert len(json.dumps(ask("😀" * 20_480))) > 64 * 1024
    assert post(client, ANALYZE, key, ask("😀" * 20_480)).status_code == 200
    assert error_of(post(client, ANALYZE, key, ask("😀" * 20_481)))["message"] == (
        "Comment text too long."
    )
    huge = post(client, ANALYZE, key, ask("x" * 20_000, padding="y" * 400_000))
    assert error_of(huge)["details"][0]["errorType"] == "COMMENT_TOO_LONG"


def test_suggestscore_refuses_empty_or_unknown_scores(client, key):
    base = {"comment": {"text": "You idiot."}, "languages": ["en"]}
    for scores, message in [
        ({}, "Attribute scores must not be empty."),
        ({"TOXICITY": {}}, "The scores of TOXICITY must not be empty."),
        ({"NOPE": {"summaryScore": {"value": 1}}}, "Unknown requested attribute: NOPE"),
        ({"TOXICITY": {"summaryScore": {"value": 3}}}, None),
    ]:
        response = post(client, SUGGEST, key, {**base, "attributeScores": scores})
        assert response.status_code == 400
        if message:
            assert error_of(response)["message"] == message


def test_nothing_of_the_text_is_stored_with_do_not_store(app, client, key):
    analyze = {"comment": {"text": "You idiot."}, "requestedAttributes": {"TOXICITY": {}}}
    assert post(client, ANALYZE, key, {**analyze, "doNotStore": True}).status_code == 200
    assert post(client, ANALYZE, key, analyze).status_code == 200  # analyze never stores
    suggest = {
        "comment": {"text": "You idiot."},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "clientToken": "t-1",
        "doNotStore": True,
    }
    answer = post(client, SUGGEST, key, suggest)
    assert answer.status_code == 200
    assert answer.get_json()["clientToken"] == "t-1"
    assert feedback_rows(app) == []
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 0
    assert calls_of(app, key) == 3


def test_every_attribute_name_is_answered_with_its_label(client, key):
    names = [*ATTRIBUTES, "TOXICITY_EXPERIMENTAL", "INSULT_EXPERIMENTAL@1", "threat"]
    body = {
        "comment": {"text": "You are a stupid idiot."},
        "requested_attributes": {name: {} for name in names},  # snake_case, as old clients send
    }
    response = post(client, ANALYZE, key, body)
    assert response.status_code == 200
    scores = response.get_json()["attributeScores"]
    assert list(scores) == names
    value = {name: scores[name]["summaryScore"]["value"] for name in names}
    assert value["INSULT_EXPERIMENTAL@1"] == value["INSULT"] == value["ATTACK_ON_AUTHOR"]
    assert value["PROFANITY"] == value["OBSCENE"] == value["SEXUALLY_EXPLICIT"]
    assert value["TOXICITY_EXPERIMENTAL"] == value["TOXICITY"] > 0.8


def test_discovery_document_describes_every_reference(client):
    response = client.get("/$discovery/rest?version=v1alpha1", base_url="https://sieve.example")
    assert response.status_code == 200
    doc = response.get_json()
    assert (doc["rootUrl"], doc["servicePath"]) == ("https://sieve.example/", "")
    methods = doc["resources"]["comments"]["methods"]
    assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
    assert methods["suggestscore"]["httpMethod"] == "POST"
    refs = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            refs.update([node["$ref"]] if "$ref" in node else [])
            for child in node.values():
                collect(child)
        elif isinstance(node, list):
            for child in node:
                collect(child)

    collect(doc)
    assert refs and refs <= set(doc["schemas"])
    assert client.get("/$discovery/rest?version=v1").status_code == 404


def test_errors_of_the_app_wide_handlers_reach_clients_in_googles_shape(app):
    # A database or Redis outage is rendered by service.web.errors (503, logged there).
    with app.test_request_context(ANALYZE):
        outage = error_response(503, "database_unavailable", "the database is unavailable")
        outage.headers["Retry-After"] = "5"
        shaped = google_shaped(outage)
    assert shaped.status_code == 503
    assert shaped.get_json() == {
        "error": {"code": 503, "message": "the database is unavailable", "status": "UNAVAILABLE"}
    }
    assert shaped.headers["Retry-After"] == "5"


def test_answers_match_the_openapi_document(client, key):
    doc = client.get("/api/v1/openapi.json").get_json()
    body = {
        "comment": {"text": EMOJI_INSULT},
        "requestedAttributes": {"TOXICITY": {}},
        "spanAnnotations": True,
    }
    validate(doc, ANALYZE, "post", post(client, ANALYZE, key, body))
    validate(doc, ANALYZE, "post", post(client, ANALYZE, key, {"comment": {"text": ""}}))
    validate(doc, ANALYZE, "post", post(client, ANALYZE, None, body))
    suggest = {
        "comment": {"text": "fine"},
        "attributeScores": {"SPAM": {"summaryScore": {"value": 0}}},
    }
    validate(doc, SUGGEST, "post", post(client, SUGGEST, key, suggest))


def test_a_wrong_method_is_answered_in_googles_shape(client):
    response = client.get("/v1alpha1/comments:analyze?key=whatever")
    assert response.status_code == 405
    error = response.get_json()["error"]
    assert error["code"] == 405 and "status" in error and "message" in error
