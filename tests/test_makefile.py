"""The Makefile's set-up on Pythons 3.11-3.13: it picks the newest, says when there is none, and
never leaves a half-made or broken venv behind (each once broke every later `make run`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")


def make(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHON", None)
    env.pop("MAKEFLAGS", None)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [MAKE or "make", "-C", str(ROOT), *args], env=env, capture_output=True, text=True
    )


def fake_python(directory: Path, name: str, body: str | None = None) -> Path:
    """An executable `name` that behaves as this test's Python (or runs `body`)."""
    script = directory / name
    script.write_text(body or f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    script.chmod(0o755)
    return script


def test_the_newest_supported_python_on_path_is_chosen(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for version in ("3.11", "3.12", "3.13"):
        fake_python(bin_dir, f"python{version}")
    venv = tmp_path / "venv"
    result = make("-n", f"VENV={venv}", f"{venv}/.created", path=f"{bin_dir}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert f"{bin_dir}/python3.13 -m venv {venv}" in result.stdout


def test_a_python_that_does_not_run_is_skipped(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_python(
        bin_dir, "python3.13", "#!/bin/sh\necho 'pyenv: python3.13: not found' >&2\nexit 127\n"
    )
    fake_python(bin_dir, "python3.12")
    venv = tmp_path / "venv"
    result = make("-n", f"VENV={venv}", f"{venv}/.created", path=f"{bin_dir}:/usr/bin:/bin")
    assert f"{bin_dir}/python3.12 -m venv" in result.stdout, result.stdout + result.stderr


def test_with_no_supported_python_it_says_so_and_makes_nothing(tmp_path):
    bin_dir = tmp_path / "bin"  # the tools a recipe uses, and no Python at all
    bin_dir.mkdir()
    for tool in ("sh", "rm", "mkdir", "touch", "test"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    venv = tmp_path / "venv"
    result = make(f"VENV={venv}", f"{venv}/.created", path=str(bin_dir))
    assert result.returncode != 0
    assert "Sieve needs Python 3.11, 3.12 or 3.13" in result.stderr
    assert "make run PYTHON=" in result.stderr
    assert not venv.exists()


def test_an_unsupported_python_is_refused_before_anything_is_made(tmp_path):
    old = fake_python(
        tmp_path, "python3.10",
        f"#!/bin/sh\n[ \"$1\" = -c ] && exec \"{sys.executable}\" -c "
        "'import sys; print(\"make: %s is Python 3.10; Sieve supports 3.11, 3.12 and 3.13\" "
        "% sys.argv[0], file=sys.stderr); sys.exit(1)'\nexit 1\n",
    )  # fmt: skip
    venv = tmp_path / "venv"
    result = make(f"VENV={venv}", f"PYTHON={old}", f"{venv}/.created")
    assert result.returncode != 0
    assert "Sieve supports 3.11, 3.12 and 3.13" in result.stderr
    assert not venv.exists()


def test_a_failed_venv_creation_leaves_nothing_behind(tmp_path):
    # Creates half a venv, then fails (as a missing ensurepip or a full disk does).
    broken = fake_python(
        tmp_path, "python3.12",
        '#!/bin/sh\nif [ "$1" = -m ]; then mkdir -p "$3/bin"; exit 1; fi\n'
        f'exec "{sys.executable}" "$@"\n',
    )  # fmt: skip
    venv = tmp_path / "venv"
    result = make(f"VENV={venv}", f"PYTHON={broken}", f"{venv}/.created")
    assert result.returncode != 0
    assert "nothing was left behind" in result.stderr
    assert not venv.exists()


def test_a_broken_venv_is_made_again(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(tmp_path / "python-that-was-uninstalled")
    (venv / ".created").touch()
    result = make("-n", f"VENV={venv}", f"PYTHON={sys.executable}", f"{venv}/.created")
    assert "is unusable" in result.stdout + result.stderr
    assert not (venv / "bin" / "python").is_symlink()  # removed, to be made again
    assert f"{sys.executable} -m venv {venv}" in result.stdout
