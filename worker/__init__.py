"""Sieve's RQ worker: scores pending comments and applies each site's policy."""
