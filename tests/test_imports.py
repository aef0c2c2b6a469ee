"""Imports flow one way, so that each package can be read (and changed) knowing only what is
below it: cli -> web -> pipeline -> domain -> storage, settings. Any of them and the worker may
use the classifier in ``models``, which imports nothing of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = {"service.settings", "service.logs", "models"}
# What each part may import of ours besides itself. A part is a package of `service` (or, as
# "service", the modules at its root: create_app and wsgi), or the top-level worker and models.
ALLOWED = {
    "models": set(),
    "service.settings": set(),
    "service.logs": set(),
    "service.storage": {"service.settings"},
    "service.domain": {"service.storage", *BASE},
    "service.pipeline": {"service.domain", "service.storage", *BASE},
    "service.web": {"service.pipeline", "service.domain", "service.storage", *BASE},
    "service": {"service.web", "service.pipeline", "service.domain", "service.storage", *BASE},
    "service.cli": {
        "service", "service.web", "service.pipeline", "service.domain", "service.storage", *BASE,
    },
    "worker": {"service", "service.pipeline", "service.domain", "service.storage", *BASE},
}  # fmt: skip
THIRD_PARTY_FORBIDDEN = {"models": {"flask", "redis", "rq", "sqlalchemy", "alembic"}}


def part_of(module: str) -> str | None:
    """The part a dotted module name belongs to (None: not ours)."""
    head = module.split(".")
    if head[0] in ("models", "worker"):
        return head[0]
    if head[0] != "service":
        return None
    candidate = ".".join(head[:2])
    return candidate if candidate in ALLOWED else "service"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    path = ROOT / dotted.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").exists()


def imports_of(path: Path) -> set[str]:
    """Modules `path` imports (lazily inside functions too): `from service.storage import db`
    imports service.storage and service.storage.db."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {
                f"{node.module}.{alias.name}"
                for alias in node.names
                if is_module(f"{node.module}.{alias.name}")
            }
    return found


def our_modules() -> list[Path]:
    paths = [p for name in ("service", "worker", "models") for p in (ROOT / name).rglob("*.py")]
    return sorted(p for p in paths if "migrations" not in p.parts)


def back_imports(paths: list[Path]) -> dict[str, list[str]]:
    offenders: dict[str, list[str]] = {}
    for path in paths:
        own = part_of(module_name(path))
        bad = sorted(
            f"{imported} ({own} -> {target})"
            for imported in imports_of(path)
            if (target := part_of(imported)) not in (None, own) and target not in ALLOWED[own]
        )
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    return offenders


def test_imports_flow_one_way():
    assert back_imports(our_modules()) == {}


def test_a_deliberate_back_import_is_caught():
    intruder = ROOT / "service" / "domain" / "_intruder_for_test.py"
    intruder.write_text("from service.web.errors import error_response\n")
    try:
        offenders = back_imports([intruder])
    finally:
        intruder.unlink()
    expected = ["service.web.errors (service.domain -> service.web)"]
    assert offenders == {"service/domain/_intruder_for_test.py": expected}


def test_no_part_imports_another_in_a_circle():
    graph: dict[str, set[str]] = {part: set() for part in ALLOWED}
    for path in our_modules():
        own = part_of(module_name(path))
        graph[own] |= {t for m in imports_of(path) if (t := part_of(m)) not in (None, own)}
    done: set[str] = set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, f"import cycle: {' -> '.join((*trail, node))}"
        if node not in done:
            for following in sorted(graph[node]):
                visit(following, (*trail, node))
            done.add(node)

    for part in graph:
        visit(part, ())


@pytest.mark.parametrize("package", sorted(THIRD_PARTY_FORBIDDEN))
def test_models_needs_no_web_or_queue_library(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(found)
        for path in (ROOT / package).rglob("*.py")
        if (found := {m.split(".")[0] for m in imports_of(path)} & THIRD_PARTY_FORBIDDEN[package])
    }
    assert offenders == {}
