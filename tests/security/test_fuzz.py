"""Property-based tests of validation and normalisation, and a worker that no text can crash."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.refusals import ApiError
from service.domain.submissions import _STRIP, FIELDS, clean_text, parse_submission
from service.settings import Settings
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment
from tests.web.test_api_comments import GOOD

LIMITS = Settings()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@FUZZ
@given(st.text())
def test_clean_text_is_nfc_without_controls_and_idempotent(value):
    cleaned = clean_text(value)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not _STRIP.search(cleaned)
    assert clean_text(cleaned) == cleaned


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), anything) | anything)
def test_any_payload_is_accepted_cleanly_or_refused_with_a_field_error(payload):
    try:
        submission = parse_submission(payload, LIMITS)
    except ApiError as error:
        assert error.status in (400, 413)
        assert error.code in ("invalid_body", "invalid_fields", "body_too_long")
        return
    assert len(submission.body) <= LIMITS.max_body_chars
    assert len(submission.author_name) <= LIMITS.max_name_chars
    for text in (submission.body, submission.author_name, submission.thread):
        assert "\x00" not in text and not _STRIP.search(text) and text == text.strip()


@pytest.mark.parametrize("field", ["body", "author_name", "thread", "thread_title"])
def test_unpaired_surrogates_are_refused_not_a_500(client, field):
    # Valid JSON ("\\ud800") that decodes to a string no database can store.
    data = json.dumps({**GOOD, field: "broken \ud800 text"})
    response = client.post("/api/v1/comments", data=data, content_type="application/json")
    assert response.status_code == 400
    assert "surrogates" in response.get_json()["error"]["fields"][field]
    analyzed = client.post("/api/v1/analyze", data=json.dumps({"text": "x\udfff"}),
                           content_type="application/json")  # fmt: skip
    assert analyzed.status_code == 400


@FUZZ
@given(body=st.text(min_size=1), name=st.text(min_size=1))
def test_text_fields_never_exceed_their_limits_after_normalisation(body, name):
    try:
        submission = parse_submission({**GOOD, "body": body, "author_name": name}, LIMITS)
    except ApiError as error:
        assert set(error.fields) <= {"body", "author_name"}
        return
    assert 0 < len(submission.body) <= LIMITS.max_body_chars
    assert 0 < len(submission.author_name) <= LIMITS.max_name_chars


HOSTILE_TEXTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "100 KB": "spam " * 20_480,
    "pure emoji": "😀🔥💯🎉👍🏽🧑‍🚀" * 200,
    "mixed scripts": "Hello Привет 你好 مرحبا שלום नमस्ते こんにちは 🙂",
    "combining marks": "Z̷̢͈̙a̸l̵g̶o̷" * 300,
    "controls": "\x01\x1b[31mred\u202e\x7f",  # no NUL: no database stores it
}


@pytest.mark.parametrize("body", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_the_worker_decides_any_text_without_crashing(app, client, body):
    from worker import context
    from worker.jobs import score_comments

    with app.app_context():
        context.activate(app)
    response = client.post("/api/v1/comments", json={**GOOD, "body": "placeholder"})
    comment_id = response.get_json()["id"]
    with app.app_context(), db.session_scope() as session:
        # Stored directly: texts the API would refuse must not crash a worker either.
        session.get(Comment, comment_id).body = body
    counts = score_comments([comment_id])
    assert sum(counts.values()) == 1
    with app.app_context(), db.session_scope() as session:
        assert session.get(Comment, comment_id).status is not CommentStatus.PENDING
