"""Akismet's comment-check answered with Sieve's classifier and the key's site policy.

Akismet asks one question, spam or not, so only the site's spam thresholds apply here: spam at or
above ``approve_below`` is ``true``, at or above ``reject_above`` also "discard" (toxicity is the
Perspective-compatible API's question). The author's name is scored with the content, as a reader
sees it; the author's URL and e-mail count only through the site's blocked domains, because a
homepage link is normal on a WordPress comment and would make every such comment look like a
link drop to the classifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models import Classifier
from service.domain.policy import allowed_link_domains, blocked_codes, decide
from service.domain.sites import site_thresholds
from service.storage.states import CommentStatus
from service.storage.tables import Site

# Akismet's documented test hooks: these always answer spam.
TEST_SPAM_AUTHOR = "viagra-test-123"
TEST_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
# A comment by this role is never spam (Akismet's rule, and its documented ham test hook).
TRUSTED_ROLE = "administrator"
# Fields of Akismet's comment itself: a `honeypot_field_name` naming one of them is ignored, or
# every comment with content would count as a bot's.
COMMENT_FIELDS = frozenset({
    "api_key", "key", "blog", "user_ip", "user_agent", "referrer", "permalink", "comment_type",
    "comment_author", "comment_author_email", "comment_author_url", "comment_content",
    "comment_date_gmt", "comment_post_modified_gmt", "blog_lang", "blog_charset", "user_role",
    "is_test", "recheck_reason", "honeypot_field_name",
})  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    spam: bool
    discard: bool = False
    reason_codes: tuple[str, ...] = ()


def judge(classifier: Classifier, site: Site, fields: Mapping[str, str], max_chars: int) -> Verdict:
    """Spam or not for one Akismet comment; the classifier reads at most ``max_chars``."""
    if fields.get("user_role", "").strip().lower() == TRUSTED_ROLE:
        return Verdict(False, reason_codes=("TRUSTED_ROLE",))
    author = fields.get("comment_author", "").strip()
    email = fields.get("comment_author_email", "").strip()
    if author.lower() == TEST_SPAM_AUTHOR or email.lower() == TEST_SPAM_EMAIL:
        return Verdict(True, reason_codes=("TEST_SPAM",))
    if honeypot_filled(fields):
        return Verdict(True, reason_codes=("HONEYPOT",))
    content = fields.get("comment_content", "").strip()
    text = "\n\n".join(part for part in (author, content) if part)
    identity = " ".join((fields.get("comment_author_url", ""), email))
    blocked = blocked_codes(text, site.blocked_words, site.blocked_domains)
    blocked += blocked_codes(identity, [], site.blocked_domains)
    if blocked:
        # The site rejects these outright: blatant, so the client may discard them.
        return Verdict(True, discard=True, reason_codes=tuple(dict.fromkeys(blocked)))
    if not text:
        return Verdict(False)
    allowed = allowed_link_domains(site.allowed_domains, site.allowed_origins)
    [judgement] = classifier.score([text[:max_chars]], explain=False, allowed_domains=[allowed])
    decision = decide({"spam": judgement.spam}, {"spam": site_thresholds(site)["spam"]})
    return Verdict(
        decision.status is not CommentStatus.APPROVED,
        discard=decision.status is CommentStatus.SPAM,
        reason_codes=decision.reason_codes,
    )


def honeypot_filled(fields: Mapping[str, str]) -> bool:
    """The field `honeypot_field_name` names was filled in: people never see it, bots do."""
    name = fields.get("honeypot_field_name", "").strip()
    return bool(name) and name not in COMMENT_FIELDS and bool(fields.get(name, "").strip())
