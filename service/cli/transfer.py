"""``sieve import`` and ``sieve export``: a site's comments in from Disqus, WordPress, Isso or a
Sieve export, and out as JSON Lines or CSV."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.context import command_app, site_or_exit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.storage.tables import Site

FORMATS = ("json", "csv")  # as service.domain.transfer.export, which is imported lazily
_file = click.Path(exists=True, dir_okay=False, path_type=Path)
_score = click.option(
    "--score",
    is_flag=True,
    help="then score the imported comments through the queue (a backfill after new comments; "
    "their status stays)",
)


@click.group("import")
def import_() -> None:
    """Import comments from Disqus, WordPress, Isso or a Sieve export.

    Threads keep their URL and title, replies their nesting, comments their author (e-mail and
    IP only as keyed hashes), date and status (approved; pending -> held, for a moderator;
    spam; deleted -> rejected). Running the same import again adds nothing; a broken file
    imports nothing.
    """


@import_.command("disqus")
@click.argument("file", type=_file)
@click.option("--site", "slug", required=True, help="the site to import into")
@_score
def import_disqus(file: Path, slug: str, score: bool) -> None:
    """Import FILE, a Disqus XML export. A thread's key (the widget's data-sieve-thread) is its
    Disqus identifier, else the path of its link."""
    _import("disqus", file, slug, score)


@import_.command("wordpress")
@click.argument("file", type=_file)
@click.option("--site", "slug", required=True, help="the site to import into")
@_score
def import_wordpress(file: Path, slug: str, score: bool) -> None:
    """Import FILE, a WordPress export (WXR). A thread's key (the widget's data-sieve-thread) is
    the path of the post's link; pingbacks and trackbacks are skipped."""
    _import("wordpress", file, slug, score)


@import_.command("isso")
@click.argument("database", type=_file)
@click.option("--site", "slug", required=True, help="the site to import into")
@_score
def import_isso(database: Path, slug: str, score: bool) -> None:
    """Import DATABASE, Isso's SQLite file. A thread's key (the widget's data-sieve-thread) is
    Isso's thread URI."""
    _import("isso", database, slug, score)


@import_.command("json")
@click.argument("file", type=_file)
@click.option("--site", "slug", help="the site to import into  [default: the file's]")
@_score
def import_json(file: Path, slug: str | None, score: bool) -> None:
    """Import FILE, written by `sieve export --format json`: threads keep their keys, comments
    their status, times, scores and reason codes."""
    _import("json", file, slug, score)


def _import(source_name: str, path: Path, slug: str | None, score: bool) -> None:
    from flask import current_app

    from service.domain.transfer import disqus, isso, sieve_json, wordpress
    from service.domain.transfer.records import BrokenExport
    from service.domain.transfer.writer import import_records
    from service.storage import db

    source = {"disqus": disqus, "wordpress": wordpress, "isso": isso, "json": sieve_json}
    reader = source[source_name]
    with command_app():
        secret = current_app.config["SIEVE"].secret_key
        try:
            with db.session_scope() as session:
                site = _site(session, source_name, path, slug)
                with _progress(reader.total(path)) as advance:
                    records = reader.records(path, advance)
                    summary = import_records(session, site, records, secret=secret, keep_ids=score)
        except BrokenExport as error:
            place = f"{path.name} {error}" if error.where else f"{path.name}: {error}"
            raise click.ClickException(f"{place}; nothing was imported") from None
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(summary.skipped.items()))
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(summary.by_status.items()))
        click.echo(
            f"site {site.slug}: {summary.imported} comments imported, "
            f"{summary.threads_created} threads created, "
            f"{summary.skipped.total()} skipped{f' ({skipped})' if skipped else ''}"
        )
        click.echo(f"by status: {statuses or 'none'}")
        if score and summary.comment_ids:
            _queue_scoring(summary.comment_ids)


def _site(session: Session, source_name: str, path: Path, slug: str | None) -> Site:
    """The site to import into: as given, or, for Sieve's export, the one named in the file."""
    from service.domain.transfer import sieve_json

    if source_name != "json":
        return site_or_exit(session, slug)
    header = sieve_json.header(path)
    site = site_or_exit(session, slug or header["site"]["slug"])
    if sieve_json.exported_from(header, site):
        raise click.ClickException(
            f"{path.name} is an export of site {site.slug} itself: importing it there would copy "
            "every comment; give another site with --site"
        )
    return site


def _queue_scoring(comment_ids: list[int]) -> None:
    from service.pipeline.outbox import BACKFILL_BATCH, enqueue_backfill

    wanted = math.ceil(len(set(comment_ids)) / BACKFILL_BATCH)
    queued = enqueue_backfill(comment_ids)
    click.echo(f"queued {queued} of {wanted} scoring batches (backfill, after new comments)")
    if queued < wanted:
        raise click.ClickException(
            "Redis did not take every batch: run the import with --score again"
        )


@contextmanager
def _progress(length: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; nothing in a pipe or a log."""
    if not sys.stdout.isatty():
        yield lambda _done: None
        return
    step, done = max(length // 500, 1), 0

    def advance(amount: int) -> None:
        # Readers report every line or record; redrawing the bar that often would slow them.
        nonlocal done
        done += amount
        if done >= step:
            bar.update(done)
            done = 0

    with click.progressbar(length=length, label="importing") as bar:
        yield advance
        bar.update(done)


@click.command("export")
@click.option("--site", "slug", required=True, help="the site whose comments to write")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="[default: stdout]")
@click.option("--include-private", is_flag=True, help="add the e-mail and IP hashes")
def export(slug: str, fmt: str, out: Path | None, include_private: bool) -> None:
    """Export a site's comments as JSON Lines or CSV.

    Every comment with its thread (key, URL, title), parent, status, times, scores and reason
    codes, its author's name, and the hashes of e-mail and IP only with --include-private. JSON
    Lines is what `sieve import json` reads back.
    """
    from service.domain.transfer.export import export_lines
    from service.storage import db

    with command_app(), db.session_scope() as session:
        site = site_or_exit(session, slug)
        lines = export_lines(session, site, fmt, include_private)
        if out is None:
            sys.stdout.writelines(lines)
            sys.stdout.flush()
            return
        # Written aside and renamed, so that FILE is never a half-written export.
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("w", encoding="utf-8", newline="") as stream:
                stream.writelines(lines)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"exported the comments of site {slug} to {out} ({fmt})")
