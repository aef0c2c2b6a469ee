"""JavaScript-style JSON, as Perspective's quickstart and Commento++ write it."""

from __future__ import annotations

import pytest

from service.web.compat.lenient_json import LenientJSONError, loads


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": [1, 2.5, true, null]}', {"a": [1, 2.5, True, None]}),
        ("{comment: {text: 'hi'}, langs: ['en'],}", {"comment": {"text": "hi"}, "langs": ["en"]}),
        ("{'t': 'it\\'s \"quoted\" \\u00e9\\n'}", {"t": 'it\'s "quoted" é\n'}),
        ('{text: "two\nlines"}', {"text": "two\nlines"}),  # a raw line break, as Go pastes it
        ("[+1, .5, -2e2, 3.,]", [1, 0.5, -200.0, 3.0]),
        ("{$a_1: {}, b: []}", {"$a_1": {}, "b": []}),
    ],
)  # fmt: skip
def test_reads_what_javascript_writers_send(text, value):
    assert loads(text) == value


@pytest.mark.parametrize(
    "text",
    ["", "{a:}", "{a b}", "[1 2]", "{'a", '{a:"x', "{a:1} tail", "[" * 100, '["\\x"]', "{1: 2}"],
)
def test_refuses_what_is_not_json_of_any_kind(text):
    with pytest.raises(LenientJSONError):
        loads(text)


def test_refuses_nesting_deep_enough_to_exhaust_the_stack():
    with pytest.raises(LenientJSONError):
        loads("[" * 100_000 + "]" * 100_000)
