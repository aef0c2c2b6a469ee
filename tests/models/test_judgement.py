"""The committed model at the default site policy: citations pass, promotions do not."""

from __future__ import annotations

import pytest

from models import patterns
from models.normalize import normalize
from service.policy import decide
from service.sites import DEFAULT_THRESHOLDS
from service.status import CommentStatus

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
