"""The committed classifier: the API the service uses, robustness, evasion, reasons."""

from __future__ import annotations

import json

import pytest

from models import DEFAULT_ARTIFACT_DIR, LABELS, Judgement, Reason

AWKWARD = ["", " ", "\ud800", "😀" * 40, "x" * 100_000, "混合 scripts и буквы", "\x00", "a"]


def test_identity(classifier) -> None:
    assert classifier.labels == LABELS
    assert classifier.version == DEFAULT_ARTIFACT_DIR.name
    assert (DEFAULT_ARTIFACT_DIR / "model.skops").is_file()


@pytest.mark.parametrize("explain", [True, False])
def test_every_text_gets_scores_in_range(classifier, explain: bool) -> None:
    judgements = classifier.score(AWKWARD, explain=explain)
    assert len(judgements) == len(AWKWARD)
    for judgement in judgements:
        assert isinstance(judgement, Judgement)
        assert set(judgement.labels) == set(LABELS)
        assert all(0.0 <= p <= 1.0 for p in judgement.labels.values())
        assert judgement.spam == judgement.labels["spam"]
        assert judgement.toxicity == judgement.labels["toxicity"]
        json.dumps(judgement.to_dict())


def test_empty_batch(classifier) -> None:
    assert classifier.score([]) == []


def test_a_single_string_is_refused(classifier) -> None:
    with pytest.raises(TypeError):
        classifier.score("not a list")


def test_obvious_cases(classifier) -> None:
    insult, thanks, spam = classifier.score(
        ["you are a worthless idiot", "Thanks, the new section reads well.",
         "Check out my channel www.free-money.com and subscribe!!!"]
    )  # fmt: skip
    assert insult.toxicity > 0.9 and insult.labels["insult"] > 0.5
    assert thanks.toxicity < 0.2 and thanks.spam < 0.2
    assert spam.spam > 0.9


@pytest.mark.parametrize("disguised", ["you are an 1d10t", "you are an id\u200biot",
                                       "you are an i d i o t", "you are an IDIOOOOT",
                                       "you are an \u0456d\u0456ot"])  # fmt: skip
def test_evasion_does_not_lower_toxicity(classifier, disguised: str) -> None:
    plain, evasive = classifier.score(["you are an idiot", disguised])
    assert evasive.toxicity > 0.9
    assert abs(evasive.toxicity - plain.toxicity) < 0.05


def test_disguised_links_still_look_like_spam(classifier) -> None:
    (judgement,) = classifier.score(["subscribe to my channel, free money at cash-now dot com"])
    assert judgement.spam > 0.9
    assert any(r.code == "LINKS" and r.text == "cash-now dot com" for r in judgement.reasons)


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Honestly you are a STUUUPID 1d10t.", "toxicity", {"STUUUPID", "1d10t"}),
        ("😀 what a f u c k i n g moron 😀", "toxicity", {"f u c k i n g", "moron"}),
        ("call me on whatsapp +1 555 123 4567 for cheap followers", "spam", None),
    ],
)
def test_reasons_point_at_the_original_text(classifier, text: str, label: str, expected) -> None:
    (judgement,) = classifier.score([text])
    reasons = [r for r in judgement.reasons if r.label == label]
    assert reasons, judgement
    for reason in judgement.reasons:
        assert isinstance(reason, Reason)
        assert text[reason.start : reason.end] == reason.text
        assert reason.weight > 0
    if expected:
        assert expected <= {r.text for r in reasons}


def test_contact_reason(classifier) -> None:
    text = "Earn $500 a day!! text me on whatsapp +1 555 123 4567"
    (judgement,) = classifier.score([text])
    assert judgement.spam > 0.5
    assert any(r.code == "CONTACT" for r in judgement.reasons)


def test_no_reasons_when_not_asked_or_not_raised(classifier) -> None:
    insult, thanks = classifier.score(["you idiot", "thank you"], explain=False)
    assert insult.reasons == () and thanks.reasons == ()
    (thanks,) = classifier.score(["thank you for the update"])
    assert thanks.reasons == ()


def test_batch_and_single_agree(classifier) -> None:
    texts = ["you idiot", "nice work", "visit bit.ly/abc now"]
    batch = classifier.score(texts)
    assert [classifier.score([t])[0] for t in texts] == batch
