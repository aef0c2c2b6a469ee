"""Which model decides and which candidate scores in its shadow: promotions, rollbacks and the
shadow switched on and off, each checked before it is recorded and audited.

The newest ``model_deployments`` row of a role is in force; a live row without a path means the
server's configured model (``SIEVE_MODEL_DIR``, else the artifact ``models/artifacts/LATEST``
names). Every process follows these rows within seconds (``service.pipeline.classifier``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ArtifactError, Classifier, load_classifier
from service.domain.audit import Actor, record_admin_event
from service.storage.tables import ModelDeployment

LIVE, SHADOW = "live", "shadow"


class DeploymentRefused(ValueError):
    """A promotion or shadow that would break something; nothing was changed."""


@dataclass(frozen=True)
class Deployment:
    id: int
    role: str
    path: str | None  # None: the configured default (live) or no shadow
    version: str | None
    actor: str
    created_at: datetime

    @classmethod
    def of(cls, row: ModelDeployment) -> Deployment:
        return cls(row.id, row.role, row.path, row.version, row.actor, row.created_at)

    def as_dict(self) -> dict[str, object]:
        return {
            "role": self.role,
            "version": self.version,
            "path": self.path,
            "by": self.actor,
            "at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Deployments:
    live: Deployment | None  # None: never promoted, the configured default decides
    shadow: Deployment | None  # None or without a path: no shadow

    @property
    def shadow_path(self) -> str | None:
        return self.shadow.path if self.shadow else None


def deployments(session: Session) -> Deployments:
    def newest(role: str) -> Deployment | None:
        row = session.scalar(
            select(ModelDeployment)
            .where(ModelDeployment.role == role)
            .order_by(ModelDeployment.id.desc())
            .limit(1)
        )
        return Deployment.of(row) if row else None

    return Deployments(newest(LIVE), newest(SHADOW))


def history(session: Session, limit: int = 20) -> list[Deployment]:
    rows = session.scalars(select(ModelDeployment).order_by(ModelDeployment.id.desc()).limit(limit))
    return [Deployment.of(row) for row in rows]


def checked_model(directory: str | Path) -> tuple[str, Classifier]:
    """The artifact folder as an absolute path and the model loaded from it, after its own
    checks (scikit-learn version, file hash, trusted types, labels, probe scores)."""
    path = Path(directory).expanduser().resolve()
    if not path.is_dir():
        raise DeploymentRefused(f"{path} is not a folder holding a model artifact")
    try:
        return str(path), load_classifier(path)
    except ArtifactError as error:
        raise DeploymentRefused(f"refused: {error}") from None
    except Exception as error:  # anything else a broken artifact raises on load
        raise DeploymentRefused(f"refused: {path} cannot be loaded: {error}") from None


def promote(session: Session, directory: str | Path, actor: Actor, default_dir: str) -> Deployment:
    """Make the model in ``directory`` decide new comments, once it has passed its checks."""
    path, model = checked_model(directory)
    now = deployments(session)
    live_path = now.live.path if now.live and now.live.path else default_dir
    if Path(live_path).resolve() == Path(path):
        raise DeploymentRefused(f"{model.version} at {path} is already the live model")
    row = _record(session, LIVE, path, model, actor, before=_described(now.live, live_path))
    if now.shadow_path and Path(now.shadow_path) == Path(path):
        # The candidate became the live model: scoring it twice would compare it with itself.
        _record(session, SHADOW, None, None, actor, before=_described(now.shadow))
    return row


def promote_previous(session: Session, actor: Actor, default_dir: str) -> Deployment:
    """Go back to the model that decided before the current one (the configured default when
    only one was ever promoted); run again, it goes forward again."""
    lives = list(
        session.scalars(
            select(ModelDeployment)
            .where(ModelDeployment.role == LIVE)
            .order_by(ModelDeployment.id.desc())
            .limit(2)
        )
    )
    if not lives:
        raise DeploymentRefused("no model was ever promoted: the configured one is live")
    previous = lives[1].path if len(lives) > 1 else None
    path, model = checked_model(previous or default_dir)
    current = Deployment.of(lives[0])
    # Back to the configured default is recorded as such (no path), whatever it names later.
    return _record(
        session, LIVE, path if previous else None, model, actor,
        before=_described(current, current.path or default_dir), action="model_rollback",
    )  # fmt: skip


def start_shadow(
    session: Session, directory: str | Path, actor: Actor, live_path: str
) -> Deployment:
    path, model = checked_model(directory)
    if Path(path) == Path(live_path).resolve():
        raise DeploymentRefused(f"{model.version} at {path} is the live model; shadow another one")
    return _record(
        session, SHADOW, path, model, actor, before=_described(deployments(session).shadow)
    )


def stop_shadow(session: Session, actor: Actor) -> Deployment | None:
    """Turn the shadow off; None when there was none."""
    shadow = deployments(session).shadow
    if shadow is None or shadow.path is None:
        return None
    return _record(session, SHADOW, None, None, actor, before=_described(shadow))


def _described(deployment: Deployment | None, path: str | None = None) -> dict[str, object]:
    if deployment is None and path is None:
        return {"model": None}
    return {
        "model": deployment.version if deployment else None,
        "path": (deployment.path if deployment else None) or path,
    }


def _record(
    session: Session,
    role: str,
    path: str | None,
    model: Classifier | None,
    actor: Actor,
    *,
    before: dict[str, object],
    action: str | None = None,
) -> Deployment:
    sha256 = (model.metadata.get("artifact") or {}).get("sha256") if model else None
    row = ModelDeployment(
        role=role,
        path=path,
        version=model.version if model else None,
        sha256=sha256,
        actor=actor.name,
    )
    session.add(row)
    after = {"model": row.version, "path": path or ("the configured default" if model else None)}
    name = action or {LIVE: "model_promoted", SHADOW: "model_shadow"}[role]
    if role == SHADOW and model is None:
        name = "model_shadow_off"
    record_admin_event(
        session, actor, name, None, before, after, subject=f"{role} model",
        detail=f"{role} model: {row.version or 'none'}",
    )  # fmt: skip
    session.flush()
    return Deployment.of(row)
