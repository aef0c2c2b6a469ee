"""The rules of comment moderation, free of HTTP and of the queue: submissions and their checks
(``submissions``, ``abuse``, ``fingerprint``), sites and threads, the scoring policy, decisions
and their reversals, the guard of repeat posters, bans, accounts and roles, the audit trail,
privacy (hashing, erasure), moderator labels, and the review queues moderators work through.

Imports only ``service.storage`` and ``service.settings``; web, pipeline, cli and the worker
import it.
"""
