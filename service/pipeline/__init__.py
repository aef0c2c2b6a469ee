"""A comment's way from acceptance to its decision: ``intake`` stores it as pending, ``handoff``
batches it onto the RQ queue (``broker``: Redis, enqueueing, batch draining), the worker scores it
with the model ``classifier`` holds, and the ``sweeper`` queues again whatever a crash left
pending. ``counters`` are the Redis-held event counts behind /metrics; ``monitor`` reads the
queue's, workers' and pending comments' state for /ops, /metrics and ``sieve status``.

Imports ``service.domain``, ``service.storage`` and ``service.settings``; web, cli and the worker
import it.
"""
