"""Load generators: wrk as fast as it goes, and a paced Python one for a steady rate."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

# Each wrk thread posts distinct realistic comments (bodies never repeat) on 50 threads.
WRK_SCRIPT = r"""
local n = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local words = {"cache", "latency", "editor", "river", "garden", "thanks", "question", "winter",
  "policy", "museum", "budget", "camera", "pattern", "harbour", "teacher", "signal", "kitchen",
  "orbit", "ledger", "meadow", "violin", "archive", "tunnel", "pepper", "anchor", "compass",
  "lantern", "quartz", "saddle", "thistle", "velvet", "walnut"}
-- A distinct sentence per request (the duplicate guard ignores digits, so words carry n).
local function phrase(k)
  local out = {}
  for _ = 1, 6 do out[#out + 1] = words[k % 32 + 1]; k = math.floor(k / 32) end
  return table.concat(out, " ")
end
function request()
  n = n + 1
  local body = string.format('{"site":"demo","thread":"story-%d","thread_title":"Story",' ..
    '"thread_url":"http://127.0.0.1/story","author_name":"Reader %d","body":"%s and %s: ' ..
    'the part about caching was useful, though I would like to see the numbers for the ' ..
    'cold start too. Thanks for the clear write-up."}', n % 50, n % 500, words[tid],
    phrase(n + 1000 * tid + SALT))
  return wrk.format(nil, nil, nil, body)
end
"""
# How every wrk script reports: one JSON line the runner reads.
WRK_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"seconds":%.3f,"p50_ms":%.2f,"p99_ms":%.2f,' ..
    '"socket_errors":%d,"bad_status":%d}\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""
WRK_SCRIPT += WRK_DONE

WRK_FLAGS = ("-t2", "-c16")
WORDS = [
    "cache",
    "latency",
    "editor",
    "river",
    "garden",
    "thanks",
    "question",
    "winter",
    "policy",
    "museum",
    "budget",
    "camera",
    "pattern",
    "harbour",
    "teacher",
    "signal",
    "kitchen",
    "orbit",
    "ledger",
    "meadow",
    "violin",
    "archive",
    "tunnel",
    "pepper",
    "anchor",
    "compass",
    "lantern",
    "quartz",
    "saddle",
    "thistle",
    "velvet",
    "walnut",
]


def answers_within(url: str, seconds: float, poll: float = 0.2) -> bool:
    """Poll ``url`` until its server answers, with any status; False when it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except urllib.error.HTTPError:
            return True  # 405 for a GET on an intake URL: it answers
        except OSError:
            time.sleep(poll)
    return False


def cpu_seconds_by_command() -> dict[str, float]:
    """CPU time (user + system) so far of every live process, summed by command name; with a
    second call, what each kind of process (python, postgres, redis-server) spent in between."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / ticks
        kind = "python" if command.startswith(("python", "gunicorn")) else command
        totals[kind] = totals.get(kind, 0.0) + used
    return totals


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {kind: after[kind] - before.get(kind, 0.0) for kind in after}


def _phrase(k: int) -> str:
    out = []
    for _ in range(6):
        out.append(WORDS[k % 32])
        k //= 32
    return " ".join(out)


def wrk(
    base: str,
    seconds: int,
    workdir: Path,
    script: str = WRK_SCRIPT,
    path: str = "/api/v1/comments",
) -> dict[str, float]:
    """Post as fast as the server answers; accepted = answered 2xx."""
    lua = workdir / "post.lua"
    # A salt per run, so a later run never repeats an earlier one's texts (they would be
    # refused as duplicates, which is the duplicate guard working, not throughput).
    salt = time.monotonic_ns() // 1000 % 10**9
    lua.write_text(f"SALT = {salt}\n" + script)
    command = ["wrk", *WRK_FLAGS, f"-d{seconds}s", "-s", str(lua), f"{base}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    result = json.loads(line[4:])
    accepted = result["requests"] - result["bad_status"]
    result["accepted_per_s"] = accepted / result["seconds"]
    result["errors"] = result["bad_status"] + result["socket_errors"]
    return result


def paced(
    base: str,
    rate: int,
    seconds: int,
    build: Callable[[int], tuple[str, str, str, dict[str, str]]],
    ok: int = 200,
    senders: int = 8,
) -> dict[str, object]:
    """``rate`` requests a second for ``seconds``, each sender on its own schedule; ``build(n)``
    gives the n-th request (method, path, body, headers). Returns the latency of each request
    answered ``ok``, as its client sees it, and the errors."""
    target = urlsplit(base)
    latencies: list[float] = []
    errors: list[object] = []
    start = time.monotonic() + 0.2

    def send(index: int) -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        interval, n = senders / rate, 0
        while (due := start + index / rate + n * interval) < start + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            method, path, body, headers = build(index * 100_000 + n)
            began = time.perf_counter()
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                response.read()
                if response.status == ok:
                    latencies.append((time.perf_counter() - began) * 1000)
                else:
                    errors.append(response.status)
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection.close()  # reconnects on the next request
            n += 1
        connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive") if latencies else []
    return {
        "answered": len(latencies),
        "errors": len(errors),
        "first_error": errors[:1],
        "p50_ms": quantiles[49] if quantiles else float("nan"),
        "p99_ms": quantiles[98] if quantiles else float("nan"),
        "max_ms": max(latencies, default=float("nan")),
    }


def steady(base: str, rate: int, seconds: int, senders: int = 8) -> dict[str, object]:
    """Post ``rate`` comments a second for ``seconds`` (their decisions are timed from the
    database; this counts what was accepted)."""

    def comment(n: int) -> tuple[str, str, str, dict[str, str]]:
        index, n = divmod(n, 100_000)
        body = json.dumps(
            {
                "site": "demo",
                "thread": f"steady-{n % 20}",
                "thread_title": "Steady",
                "thread_url": "http://127.0.0.1/steady",
                "author_name": f"Reader {index}",
                "body": f"Steady {_phrase(index * 100_000 + n)}: a calm, useful comment.",
            }
        )
        return "POST", "/api/v1/comments", body, {"Content-Type": "application/json"}

    result = paced(base, rate, seconds, comment, ok=202, senders=senders)
    return {"accepted": result["answered"], "errors": result["errors"],
            "first_error": result["first_error"]}  # fmt: skip
