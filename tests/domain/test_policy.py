"""A site's thresholds turn scores into a decision with reason codes."""

from __future__ import annotations

from service.domain.policy import decide
from service.domain.sites import DEFAULT_THRESHOLDS
from service.storage.states import CommentStatus, PreModeration


def test_low_scores_are_approved():
    decision = decide({"spam": 0.1, "toxicity": 0.2}, DEFAULT_THRESHOLDS)
    assert (decision.status, decision.reason_codes) == (CommentStatus.APPROVED, ())


def test_between_thresholds_is_held_with_the_label_as_reason():
    decision = decide({"spam": 0.1, "toxicity": 0.7}, DEFAULT_THRESHOLDS, signal_codes=("INSULT",))
    assert decision.status is CommentStatus.HELD
    assert decision.reason_codes == ("TOXIC", "INSULT")


def test_spam_above_the_high_threshold_is_filed_as_spam():
    decision = decide({"spam": 0.97, "toxicity": 0.95}, DEFAULT_THRESHOLDS)
    assert decision.status is CommentStatus.SPAM
    assert decision.reason_codes == ("SPAM", "TOXIC")


def test_toxicity_above_the_high_threshold_is_rejected():
    decision = decide({"spam": 0.6, "toxicity": 0.95}, DEFAULT_THRESHOLDS)
    assert decision.status is CommentStatus.REJECTED
    assert decision.reason_codes == ("TOXIC", "SPAM")


def test_site_can_watch_a_sub_label():
    thresholds = {**DEFAULT_THRESHOLDS, "threat": {"approve_below": 0.2, "reject_above": 0.6}}
    decision = decide({"spam": 0.0, "toxicity": 0.3, "threat": 0.4}, thresholds)
    assert (decision.status, decision.reason_codes) == (CommentStatus.HELD, ("THREAT",))


def test_premoderation_holds_clean_comments():
    scores = {"spam": 0.0, "toxicity": 0.0}
    assert decide(scores, DEFAULT_THRESHOLDS, PreModeration.ALL).status is CommentStatus.HELD
    new = decide(scores, DEFAULT_THRESHOLDS, PreModeration.NEW_AUTHORS, new_author=True)
    assert (new.status, new.reason_codes) == (CommentStatus.HELD, ("NEW_AUTHOR",))
    known = decide(scores, DEFAULT_THRESHOLDS, PreModeration.NEW_AUTHORS, new_author=False)
    assert known.status is CommentStatus.APPROVED


def test_blocked_words_match_whole_words_and_phrases():
    from service.domain.policy import blocked_codes

    assert blocked_codes("Visit the CASINO tonight", ["casino"], []) == ("BLOCKED_WORD",)
    assert blocked_codes("occasional visits", ["casino", "sion"], []) == ()
    assert blocked_codes("buy   cheap  pills now", ["cheap pills"], []) == ("BLOCKED_WORD",)


def test_blocked_domains_cover_subdomains_and_bare_mentions():
    from service.domain.policy import blocked_codes

    assert blocked_codes("see https://www.spam.example/x", [], ["spam.example"]) == (
        "BLOCKED_DOMAIN",
    )
    assert blocked_codes("go to shop.spam.example now", [], ["spam.example"]) == ("BLOCKED_DOMAIN",)
    assert blocked_codes("notspam.example is fine", [], ["spam.example"]) == ()
