"""The peer: Isso, the Python comment server most self-hosters pick, in a venv of its own, under
the same gunicorn and the same wrk load as Sieve (SQLite, no moderation, no rate limits).

    .venv/bin/python bench/isso.py      # prints the intake line alone
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from load import WRK_DONE, answers_within

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv-bench-isso"
VERSION = "0.13.0"

# Each request a new comment on one of 50 threads; a title in the body, so that Isso never
# fetches the article to learn it.
WRK_SCRIPT = (
    r"""
local n = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "http://127.0.0.1"
wrk.headers["Referer"] = "http://127.0.0.1/"
function request()
  n = n + 1
  local path = string.format("/new?uri=%%2Fstory-%d", n % 50)
  local body = string.format('{"text":"Comment %d of %d: the part about caching was useful, ' ..
    'though I would like to see the numbers for the cold start too. Thanks for the clear ' ..
    'write-up.","author":"Reader %d","title":"Story","email":null,"website":null}',
    n, tid, n % 500)
  return wrk.format(nil, path, nil, body)
end
"""
    + WRK_DONE
)

CONFIG = """[general]
dbpath = {db}
host = http://127.0.0.1/
[moderation]
enabled = false
[guard]
enabled = false
[server]
listen = http://127.0.0.1:{port}/
"""


def ensure_venv() -> Path:
    """Isso and gunicorn in a venv of their own (made once, kept beside the project's)."""
    python = VENV / "bin" / "python"
    marker = VENV / f".isso-{VERSION}"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"isso=={VERSION}",
                        "gunicorn"], check=True)  # fmt: skip
        marker.touch()
    return python


def start(workdir: Path, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    python = ensure_venv()
    config = workdir / "isso.cfg"
    config.write_text(CONFIG.format(db=workdir / "isso.db", port=port))
    command = [
        str(python), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--threads", str(threads), "--worker-connections", "8", "--preload", "isso.run",
    ]  # fmt: skip
    log = (workdir / "isso.log").open("ab")
    process = subprocess.Popen(
        command,
        env={"ISSO_SETTINGS": str(config), "PATH": "/usr/bin:/bin"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    if answers_within(f"http://127.0.0.1:{port}/info", 60):
        return process
    process.kill()
    raise RuntimeError(f"Isso did not start; see {workdir / 'isso.log'}")


def main() -> None:
    import tempfile

    from load import wrk

    workdir = Path(tempfile.mkdtemp(prefix="sieve-bench-isso-"))
    process = start(workdir, 8110, 4, 2)
    try:
        result = wrk("http://127.0.0.1:8110", 10, workdir, script=WRK_SCRIPT, path="")
    finally:
        process.terminate()
        process.wait(20)
    print(f"intake, Isso {VERSION}  {result['accepted_per_s']:,.0f} accepted/s  "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"errors {result['errors']}")  # fmt: skip


if __name__ == "__main__":
    main()
