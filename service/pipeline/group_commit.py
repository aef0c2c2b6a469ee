"""Group commit: the request threads of one web process that store comments at the same moment
share one multi-row INSERT, and so one commit, instead of one each.

There is no timer and no extra thread. The first request to arrive inserts its row at once; the
requests that arrive while that statement is in flight wait, and when it returns one of them
inserts all the waiting rows together. Under no load a comment is stored exactly as before;
under load the database sees a few large statements instead of many small ones.

A request is answered only once the statement holding its row has returned, so a 202 still
means committed. A group is one transaction, so it is stored whole or not at all: a process
killed mid-commit leaves either every row of the group (pending, queued later by the sweeper) or
none of them (and none was answered 202).
"""

from __future__ import annotations

import threading

from sqlalchemy import Insert
from sqlalchemy.exc import IntegrityError

from service.storage import db

# Rows x columns stays well under PostgreSQL's 65,535 bind parameters and under SQLAlchemy's page
# of 1,000 rows, so a group is one statement on PostgreSQL.
MAX_GROUP_ROWS = 64


class _Row:
    __slots__ = ("done", "error", "group_size", "inserted_id", "values")

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.done = False
        self.inserted_id: int | None = None
        self.error: BaseException | None = None
        self.group_size = 0


class GroupInsert:
    """Rows of one table inserted by concurrent threads, grouped as they wait for each other."""

    def __init__(self, statement: Insert, max_rows: int = MAX_GROUP_ROWS) -> None:
        self.statement = statement
        self.max_rows = max(1, max_rows)
        self._changed = threading.Condition()
        self._waiting: list[_Row] = []
        self._busy = False
        self.groups = 0  # statements issued, and rows they held: for tests and benchmarks
        self.rows = 0

    def insert(self, values: dict[str, object]) -> int:
        """Insert one row (every row with the same keys) and return its primary key, once
        committed. Raises what the statement raised, except that a row whose group failed on
        another row's constraint is inserted again on its own."""
        row = _Row(values)
        with self._changed:
            self._waiting.append(row)
        while True:
            with self._changed:
                while self._busy and not row.done:
                    self._changed.wait()
                if row.done:
                    break
                # Nobody is inserting: lead a group of the oldest waiting rows (which may, past
                # max_rows, not yet hold this one: then wait for the next group).
                self._busy = True
                group = self._waiting[: self.max_rows]
                del self._waiting[: self.max_rows]
            self._lead(group)
        if row.error is None:
            return row.inserted_id  # type: ignore[return-value]
        if isinstance(row.error, IntegrityError) and row.group_size > 1:
            # The whole group was refused for one row's sake (a thread deleted meanwhile):
            # this row alone may well be fine.
            return self._insert_alone(values)
        raise row.error

    def _lead(self, group: list[_Row]) -> None:
        try:
            ids = self._insert_group([row.values for row in group])
        except BaseException as error:  # every waiter gets it; none may hang
            for row in group:
                row.error = error
        else:
            for row, inserted_id in zip(group, ids, strict=True):
                row.inserted_id = inserted_id
        with self._changed:
            for row in group:
                row.group_size = len(group)
                row.done = True
            self.groups += 1
            self.rows += len(group)
            self._busy = False
            self._changed.notify_all()

    def _insert_group(self, rows: list[dict[str, object]]) -> list[int]:
        if len(rows) == 1:
            return [self._insert_alone(rows[0])]
        # One transaction, so the group is stored whole or not at all however the dialect runs
        # it: PostgreSQL gets one multi-row statement, SQLite (which cannot promise the order of
        # a multi-row RETURNING) a statement a row, all under one commit.
        statement = self.statement.returning(
            *self.statement.table.primary_key.columns, sort_by_parameter_order=True
        )
        with db.engine().begin() as connection:
            return list(connection.execute(statement, rows).scalars())

    def _insert_alone(self, values: dict[str, object]) -> int:
        with db.autocommit() as connection:
            return connection.execute(self.statement, values).inserted_primary_key[0]
