"""The classifiers a process uses: the live one, which decides, and a candidate in the shadow.

Which artifacts those are is kept in the database (``sieve model promote`` and ``sieve model
shadow`` write it). Every process looks again at most every ``CHECK_SECONDS`` and loads a new
model beside the one it is using, so a promotion reaches the workers and web processes without a
restart. A model that cannot be loaded here is not used: the live one stays, and the problem is
logged and shown on /ops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from service.domain.deployments import Deployments, deployments
from service.storage import db

if TYPE_CHECKING:
    from models import Classifier

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
# A model that failed to load is tried again this often (a path mounted late, a file copied in).
RETRY_SECONDS = 60.0
# Artifacts kept loaded per process: the live one, the shadow, and the one just replaced (so
# that a rollback right after a promotion costs no load).
KEEP_LOADED = 3


class _Artifacts:
    """Loaded classifiers by folder, shared by every app of the process (tests build many)."""

    def __init__(self) -> None:
        self._by_path: OrderedDict[str, Classifier] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str) -> Classifier:
        with self._lock:
            if path in self._by_path:
                self._by_path.move_to_end(path)
                return self._by_path[path]
        from models import load_classifier

        classifier = load_classifier(path)  # outside the lock: a load takes a second
        with self._lock:
            self._by_path[path] = classifier
            while len(self._by_path) > KEEP_LOADED:
                self._by_path.popitem(last=False)
        return classifier


_artifacts = _Artifacts()


@dataclass(frozen=True)
class Loaded:
    """What this process uses now, for status pages."""

    live: str | None  # version
    shadow: str | None
    problem: str | None


class ClassifierHolder:
    """The live classifier and the shadow one of an app's processes."""

    def __init__(self, model_dir: str | None) -> None:
        from models import artifact

        # The model that decides until one is promoted (SIEVE_MODEL_DIR, else models' LATEST).
        self.default_dir = (
            str(Path(model_dir).resolve()) if model_dir else str(artifact.latest_dir())
        )
        self._live: Classifier | None = None
        self._shadow: Classifier | None = None
        self._seen: Deployments | None = None
        self._checked = float("-inf")
        self._retry_at = float("inf")
        self._lock = threading.RLock()
        self.problem: str | None = None

    @property
    def loaded(self) -> bool:
        return self._live is not None

    def load(self) -> Classifier:
        """The live classifier; loads it on first use, then follows promotions."""
        self.refresh()
        assert self._live is not None
        return self._live

    def shadow(self) -> Classifier | None:
        """The candidate scoring beside the live one, if there is one and it loaded."""
        self.refresh()
        return self._shadow

    def live_path(self, wanted: Deployments) -> str:
        return wanted.live.path if wanted.live and wanted.live.path else self.default_dir

    def status(self) -> Loaded:
        return Loaded(
            self._live.version if self._live else None,
            self._shadow.version if self._shadow else None,
            self.problem,
        )

    def refresh(self, force: bool = False) -> None:
        """Look at the deployments again if it is time (or ``force``), and load what changed.

        The first load raises when the live model cannot be loaded: a process must not start
        deciding with another model than the one promoted. Later, a model that fails to load
        leaves the current one in place.
        """
        now = time.monotonic()
        if not force and self._live is not None and now - self._checked < CHECK_SECONDS:
            return
        with self._lock:
            if not force and self._live is not None and now - self._checked < CHECK_SECONDS:
                return
            try:
                with db.session_scope() as session:
                    wanted = deployments(session)
            except Exception as error:  # the database is away: keep what is loaded
                if self._live is None:
                    raise
                log.warning(
                    "model deployments unreadable, keeping the loaded models error=%s", error
                )
                self._checked = now
                return
            self._checked = now
            if wanted == self._seen and self._live is not None and now < self._retry_at:
                return
            self._apply(wanted)
            self._retry_at = now + RETRY_SECONDS if self.problem else float("inf")

    def _apply(self, wanted: Deployments) -> None:
        problems = []
        live_path = self.live_path(wanted)
        try:
            live = _artifacts.get(live_path)
        except Exception as error:
            if self._live is None:
                raise
            problems.append(f"the promoted model at {live_path} cannot be loaded here: {error}")
            log.error("promoted model not loaded, keeping version=%s path=%s error=%s",
                      self._live.version, live_path, error)  # fmt: skip
        else:
            if self._live is not None and live.version != self._live.version:
                log.info("live model switched from=%s to=%s", self._live.version, live.version)
            self._live = live
        shadow = None
        if wanted.shadow and wanted.shadow.path:
            try:
                shadow = _artifacts.get(wanted.shadow.path)
            except Exception as error:
                problems.append(
                    f"the shadow model at {wanted.shadow.path} cannot be loaded: {error}"
                )
                log.error("shadow model not loaded path=%s error=%s", wanted.shadow.path, error)
        if (shadow and shadow.version) != (self._shadow and self._shadow.version):
            log.info("shadow model version=%s", shadow.version if shadow else "-")
        self._shadow = shadow
        self.problem = "; ".join(problems) or None
        self._seen = wanted


def init_app(app: Flask, model_dir: str) -> None:
    app.extensions["sieve.classifier"] = ClassifierHolder(model_dir)


def classifier_holder() -> ClassifierHolder:
    return current_app.extensions["sieve.classifier"]
