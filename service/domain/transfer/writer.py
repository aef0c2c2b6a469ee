"""Writing imported records into a site: threads found or created, comments inserted in batches
and each only once (``import_ref`` is unique per site), replies nested however the file is ordered.

Everything happens in the caller's transaction, so a broken file leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from service.domain.fingerprint import text_fingerprint
from service.domain.privacy import email_hash, ip_hash
from service.domain.transfer.records import (
    BrokenExport,
    CommentRecord,
    Record,
    Skipped,
    ThreadRecord,
)
from service.storage.states import CommentStatus
from service.storage.tables import Comment, Site, Thread

log = logging.getLogger(__name__)
BATCH = 500
ALREADY_IMPORTED = "already imported"
_comments = Comment.__table__.c
_threads = Thread.__table__.c


@dataclass
class ImportSummary:
    threads_created: int = 0
    imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    # Only when asked for: the comments imported, and those of the file imported before.
    comment_ids: list[int] = field(default_factory=list)


# One index lookup per reference, whatever the statistics say: on a table that grew in this
# very transaction PostgreSQL plans `import_ref = ANY(...)` as a scan of all the site's comments.
_LOOKUP = text(
    "SELECT r.ref, c.id, c.thread_id, c.root_id, c.depth"
    " FROM unnest(CAST(:refs AS varchar[])) AS r(ref) CROSS JOIN LATERAL"
    " (SELECT id, thread_id, root_id, depth FROM comments"
    "  WHERE site_id = :site_id AND import_ref = r.ref LIMIT 1) AS c"
)
_NODE = (_comments.id, _comments.thread_id, _comments.root_id, _comments.depth)


class _Node(NamedTuple):
    """What a reply needs of its parent."""

    id: int
    thread_id: int
    root_id: int | None
    depth: int


def import_records(
    session: Session, site: Site, records: Iterable[Record], *, secret: str, keep_ids: bool = False
) -> ImportSummary:
    """Write the records into ``site``; comments imported before are skipped."""
    writer = _Writer(session, site, secret, keep_ids)
    for record in records:
        writer.add(record)
    writer.finish()
    summary = writer.summary
    log.info("import done site=%s imported=%s skipped=%s threads_created=%s", site.slug,
             summary.imported, summary.skipped.total(), summary.threads_created)  # fmt: skip
    return summary


class _Writer:
    def __init__(self, session: Session, site: Site, secret: str, keep_ids: bool) -> None:
        self.session, self.site_id, self.secret, self.keep_ids = session, site.id, secret, keep_ids
        self.postgresql = session.get_bind().dialect.name == "postgresql"
        self.summary = ImportSummary()
        self.threads: dict[str, ThreadRecord] = {}  # by the file's reference
        self.thread_ids: dict[str, int] = {}  # by key
        # Comments naming a thread the file has not shown yet (exports list threads first).
        self.waiting: defaultdict[str, list[CommentRecord]] = defaultdict(list)
        self.batch: list[CommentRecord] = []
        # Replies whose parent was not there yet: stored top-level, nested once all is read.
        self.orphans: list[tuple[int, int, str, str]] = []  # (id, thread id, parent ref, where)

    def add(self, record: Record) -> None:
        if isinstance(record, Skipped):
            self.summary.skipped[record.reason] += 1
        elif isinstance(record, ThreadRecord):
            self.threads.setdefault(record.ref, record)
            self.batch.extend(self.waiting.pop(record.ref, ()))
        elif record.thread_ref in self.threads:
            self.batch.append(record)
        else:
            self.waiting[record.thread_ref].append(record)
        if len(self.batch) >= BATCH:
            self.flush()

    def finish(self) -> None:
        self.flush()
        if self.waiting:
            thread_ref, records = next(iter(self.waiting.items()))
            raise BrokenExport(records[0].where, f"names thread {thread_ref}, not in the file")
        for orphan in self.orphans:
            self._nest(*orphan)

    def flush(self) -> None:
        """Insert the batch, parents before their replies, and forget it."""
        batch, self.batch = self.batch, []
        existing = self._nodes({r.ref for r in batch})
        fresh: dict[str, CommentRecord] = {}
        for record in batch:
            if record.ref in existing or record.ref in fresh:
                self.summary.skipped[ALREADY_IMPORTED] += 1
            else:
                fresh[record.ref] = record
        if self.keep_ids:
            # Scoring them again is harmless (what has scores is left alone), and it is how a
            # second run scores what the first could not queue.
            self.summary.comment_ids.extend(node.id for node in existing.values())
        self._ensure_threads(fresh.values())
        nodes = self._nodes({r.parent_ref for r in fresh.values() if r.parent_ref} - fresh.keys())
        pending = list(fresh.values())
        while pending:
            waiting_refs = {r.ref for r in pending}
            ready = [r for r in pending if r.parent_ref not in waiting_refs]
            # Parents waiting on each other (a cycle) are stored top-level and checked later.
            ready = ready or pending
            nodes |= self._insert(ready, nodes)
            pending = [r for r in pending if r.ref not in nodes]

    def _nodes(self, refs: set[str]) -> dict[str, _Node]:
        """The comments of the site imported from ``refs``, by ``import_ref``."""
        if not refs:
            return {}
        if self.postgresql:
            rows = self.session.execute(_LOOKUP, {"site_id": self.site_id, "refs": list(refs)})
        else:
            rows = self.session.execute(
                select(_comments.import_ref, *_NODE).where(
                    _comments.site_id == self.site_id, _comments.import_ref.in_(refs)
                )
            )
        return {row[0]: _Node(*row[1:]) for row in rows}

    def _ensure_threads(self, records: Iterable[CommentRecord]) -> None:
        wanted: dict[str, tuple[ThreadRecord, CommentRecord]] = {}
        for record in records:
            thread = self.threads[record.thread_ref]
            if thread.key not in self.thread_ids:
                wanted.setdefault(thread.key, (thread, record))
        if not wanted:
            return
        query = select(_threads.key, _threads.id).where(
            _threads.site_id == self.site_id, _threads.key.in_(wanted)
        )
        self.thread_ids |= dict(self.session.execute(query).all())
        rows = [
            {"site_id": self.site_id, "key": key, "url": thread.url, "title": thread.title,
             "created_at": thread.created_at or first.created_at}
            for key, (thread, first) in wanted.items()
            if key not in self.thread_ids
        ]  # fmt: skip
        if rows:
            statement = insert(Thread.__table__).returning(
                _threads.key, _threads.id, sort_by_parameter_order=True
            )
            self.thread_ids |= dict(self.session.execute(statement, rows).all())
            self.summary.threads_created += len(rows)

    def _insert(self, records: list[CommentRecord], nodes: dict[str, _Node]) -> dict[str, _Node]:
        rows = []
        for record in records:
            thread_id = self.thread_ids[self.threads[record.thread_ref].key]
            parent = nodes.get(record.parent_ref) if record.parent_ref else None
            rows.append(self._row(record, thread_id, parent))
        # scores left out, not None: the JSON type would store None as JSON null, not NULL.
        for scored in (True, False):
            if group := [row for row in rows if ("scores" in row) is scored]:
                # No RETURNING: a plain executemany, which psycopg pipelines, is much faster.
                self.session.execute(insert(Comment.__table__), group)
        inserted = self._nodes({record.ref for record in records})
        for record in records:
            node = inserted[record.ref]
            self.summary.imported += 1
            self.summary.by_status[record.status.value] += 1
            if self.keep_ids:
                self.summary.comment_ids.append(node.id)
            if record.parent_ref and record.parent_ref not in nodes:
                self.orphans.append((node.id, node.thread_id, record.parent_ref, record.where))
        return inserted

    def _row(self, record: CommentRecord, thread_id: int, parent: _Node | None) -> dict[str, Any]:
        if parent is not None and parent.thread_id != thread_id:
            raise BrokenExport(record.where, f"a reply to {record.parent_ref}, of another thread")
        decided = record.status is not CommentStatus.PENDING
        row: dict[str, Any] = {
            "site_id": self.site_id,
            "thread_id": thread_id,
            "parent_id": parent.id if parent else None,
            # As intake stores replies: the root is the top-level comment of the tree.
            "root_id": (parent.root_id or parent.id) if parent else None,
            "depth": parent.depth + 1 if parent else 0,
            "author_name": record.author_name,
            "author_email_hash": (
                email_hash(self.secret, record.author_email)
                if record.author_email
                else record.author_email_hash
            ),
            "ip_hash": ip_hash(self.secret, record.ip) if record.ip else record.ip_hash,
            "body": record.body,
            "status": record.status,
            "reason_codes": list(record.reason_codes),
            "model_version": record.model_version,
            "decided_by": record.decided_by if decided else None,
            "decided_at": (record.decided_at or record.created_at) if decided else None,
            # The queue's "most urgent first" order; 0 until scored, as at intake.
            "priority": round(max((record.scores or {}).values(), default=0.0), 6),
            "fingerprint": None if record.erased_at else text_fingerprint(record.body),
            "created_at": record.created_at,
            "erased_at": record.erased_at,
            "import_ref": record.ref,
        }
        if record.scores is not None:
            row["scores"] = record.scores
        return row

    def _nest(self, comment_id: int, thread_id: int, parent_ref: str, where: str) -> None:
        """Hang a reply read before its parent under it, with the replies it already has."""
        parent = self._nodes({parent_ref}).get(parent_ref)
        if parent is None:
            raise BrokenExport(where, f"a reply to {parent_ref}, which is not in the file")
        if parent.thread_id != thread_id:
            raise BrokenExport(where, f"a reply to {parent_ref}, of another thread")
        # The reply is still top-level, so everything under it has it as root.
        if comment_id in (parent.id, parent.root_id):
            raise BrokenExport(where, f"a reply to {parent_ref}, which replies to it (a cycle)")
        root, depth = parent.root_id or parent.id, parent.depth + 1
        self.session.execute(
            update(Comment.__table__)
            .where(_comments.id == comment_id)
            .values(parent_id=parent.id, root_id=root, depth=depth)
        )
        self.session.execute(
            update(Comment.__table__)
            .where(_comments.root_id == comment_id)
            .values(root_id=root, depth=_comments.depth + depth)
        )
