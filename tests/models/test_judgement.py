"""The committed model at the default site policy: citations pass, promotions do not."""

from __future__ import annotations

import pytest

from models import patterns
from models.normalize import normalize
from service.domain.policy import decide
from service.domain.sites import DEFAULT_THRESHOLDS
from service.storage.states import CommentStatus

CITATIONS = [
    "As Reuters reported this morning (https://www.reuters.com/world/us/senate-budget-vote/), "
    "the bill passed 52-48. That matches what the committee said during the 1974-1978 hearings.",
    "Both AP and the BBC covered this: https://apnews.com/article/election-results-count and "
    "https://www.bbc.co.uk/news/world-us-canada-67890123 and their numbers differ from the ones "
    "quoted in the article.",
    "The table is in the census article, see "
    "https://en.wikipedia.org/wiki/2020_United_States_census for the county figures.",
    "I think the article misses the point about the council's budget. The shortfall was known in "
    "March, when the auditors flagged it, and the committee chose to delay the vote until after "
    "the election. That is a political choice, not an accident, and readers deserve to know who "
    "made it. The figures quoted for the library closures are also from 2019; the 2023 report "
    "shows that two of the branches had already reduced their hours. None of this excuses the "
    "cuts, but if we want the council to reconsider, we have to argue from the current numbers. "
    "I would also like to see the paper ask why the consultants' fees were not part of the "
    "savings plan, since they were larger than the cost of keeping both branches open. Thank you "
    "for covering this at all; most outlets ignored it.",
]
PROMOTIONS = [
    "Check out my channel www.mybeats-music.com and subscribe!!! new video every day",
    "Earn $500 a day working from home!! DM me on whatsapp +1 555 123 4567",
    "FREE gift cards giveaway, visit bit.ly/free-gift-now before it ends",
    "I made $8,000 last month trading bitcoin with this investment plan, message me on "
    "telegram for details",
]


def decision(judgement) -> CommentStatus:
    return decide(judgement.labels, DEFAULT_THRESHOLDS).status


def test_comments_citing_their_sources_are_approved(classifier) -> None:
    for text, judgement in zip(CITATIONS, classifier.score(CITATIONS), strict=True):
        assert decision(judgement) is CommentStatus.APPROVED, (text[:60], judgement.labels)


def test_promotions_are_held_or_rejected(classifier) -> None:
    for text, judgement in zip(PROMOTIONS, classifier.score(PROMOTIONS), strict=True):
        assert judgement.spam >= 0.5, (text, judgement.spam)
        assert decision(judgement) is not CommentStatus.APPROVED


# Nothing but a link (to a site the model has seen in spam, or none it knows): suspect, so held for
# a person; never rejected on the link alone.
LINK_ONLY = [
    "http://www.news4jax.com/news/25976955/detail.html",
    "Well, look here: http://www.skane.se/default.aspx?id=54721",
    "The minutes are posted at http://www.example-county.gov/minutes/2024-03.pdf",
]
# A link plus spam's own evidence (a shortener, money talk, a promotion) can still be rejected.
LINK_AND_MORE = [
    "http://bit.ly/2xYz9Q",
    "Make $5000 a week from home, visit http://cash-now.example.biz now",
    "Subscribe to my channel http://www.youtube.com/user/bestmusic2013 please!!",
]


REFUSED = (CommentStatus.REJECTED, CommentStatus.SPAM)  # spam above the reject threshold is filed


def test_a_link_alone_never_rejects_a_comment(classifier) -> None:
    for text, judgement in zip(LINK_ONLY, classifier.score(LINK_ONLY), strict=True):
        assert decision(judgement) not in REFUSED, (text, judgement.spam)


def test_a_link_with_spam_evidence_can_still_be_rejected(classifier) -> None:
    judgements = classifier.score(LINK_AND_MORE)
    assert all(j.spam >= 0.5 for j in judgements), [j.spam for j in judgements]
    rejected = [decision(j) in REFUSED for j in judgements]
    assert sum(rejected) >= 2, [j.spam for j in judgements]


def test_the_link_only_cap_needs_the_words_to_be_clean() -> None:
    from models.links import link_is_all
    from models.normalize import prepare

    assert link_is_all(prepare("see http://www.skane.se/default.aspx?id=54721"))
    assert not link_is_all(prepare("see http://bit.ly/2xYz9Q"))  # a shortener hides the target
    assert not link_is_all(prepare("earn $300 a day at http://cash-now.example.biz"))
    assert not link_is_all(prepare("whatsapp me +1 555 123 4567 http://example.org"))
    assert not link_is_all(prepare("no link here at all"))


@pytest.mark.parametrize(
    "text",
    ["He served 1974-1978 and again 1980-1984.", "Filed on 2021-03-04, decided 2022-11-30.",
     "ISBN 978-3-16-148410-0 is the second edition.", "The vote was 52-48, then 1,234 to 567.",
     "It costs $1,299.99 or 1 299 euros.", "In 1990 2000 2010 the census counted them."],
)  # fmt: skip
def test_contact_patterns_leave_dates_years_prices_and_isbns_alone(classifier, text: str) -> None:
    assert not list(patterns.PHONE.finditer(normalize(text).text))
    (judgement,) = classifier.score([text])
    assert not any(reason.code == "CONTACT" for reason in judgement.reasons)


@pytest.mark.parametrize("text", ["call me on 0871 246 0324 now", "text +44 7911 123456 today"])
def test_phone_numbers_are_still_contact_details(text: str) -> None:
    assert list(patterns.PHONE.finditer(normalize(text).text))


@pytest.mark.parametrize(
    ("text", "words", "not_words"),
    [
        ("you are a worthless idiot", {"worthless", "idiot"}, {"are", "a"}),
        ("what a hack, you pathetic idiot", {"idiot"}, {"what", "a"}),
        ("I like how stupid you are", {"stupid"}, {"like", "how"}),
    ],
)
def test_highlights_cover_the_toxic_words(classifier, text, words, not_words) -> None:
    (judgement,) = classifier.score([text])
    highlighted = {r.text for r in judgement.reasons}  # what the moderator sees marked
    assert words <= highlighted, judgement.reasons
    assert not highlighted & not_words, judgement.reasons


def test_a_comment_held_for_spam_says_why(classifier) -> None:
    (judgement,) = classifier.score([PROMOTIONS[0]])
    spam_reasons = [r for r in judgement.reasons if r.label == "spam"]
    assert spam_reasons
    assert {r.code for r in spam_reasons} & {"LINKS", "PROMOTION", "SPAM", "LENGTH"}


def test_allowed_domains_never_count_against_a_comment(classifier) -> None:
    link = "https://www.localpaper-example.com/news/2026/budget-vote-story"
    text = f"Source: {link} for the numbers."
    plain, allowed = classifier.score(
        [text, text], allowed_domains=[(), {"localpaper-example.com"}]
    )
    assert allowed.spam < plain.spam
    (blank,) = classifier.score([text.replace(link, " " * len(link))])
    assert allowed.labels == blank.labels
