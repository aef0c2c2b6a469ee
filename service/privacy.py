"""Keyed hashes for the personal data Sieve keeps only in hashed form (emails, IPs)."""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``; ``purpose`` keeps an email hash from matching an IP hash."""
    key = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def email_hash(secret: str, email: str) -> str:
    return keyed_hash(secret, "email", email.strip().lower())


def ip_hash(secret: str, ip: str) -> str:
    return keyed_hash(secret, "ip", ip.strip())
