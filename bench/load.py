"""Load generators: wrk as fast as it goes, and a paced Python one for a steady rate."""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
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
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"seconds":%.3f,"p50_ms":%.2f,"p99_ms":%.2f,' ..
    '"socket_errors":%d,"bad_status":%d}\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""

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


def _phrase(k: int) -> str:
    out = []
    for _ in range(6):
        out.append(WORDS[k % 32])
        k //= 32
    return " ".join(out)


def wrk(base: str, seconds: int, workdir: Path) -> dict[str, float]:
    """Post as fast as the server answers; accepted = answered 2xx."""
    script = workdir / "post.lua"
    # A salt per run, so a later run never repeats an earlier one's texts (they would be
    # refused as duplicates, which is the duplicate guard working, not throughput).
    salt = time.monotonic_ns() // 1000 % 10**9
    script.write_text(f"SALT = {salt}\n" + WRK_SCRIPT)
    command = ["wrk", *WRK_FLAGS, f"-d{seconds}s", "-s", str(script), f"{base}/api/v1/comments"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    result = json.loads(line[4:])
    accepted = result["requests"] - result["bad_status"]
    result["accepted_per_s"] = accepted / result["seconds"]
    result["errors"] = result["bad_status"] + result["socket_errors"]
    return result


def steady(base: str, rate: int, seconds: int, senders: int = 8) -> dict[str, float]:
    """Post ``rate`` comments a second for ``seconds``, each sender on its own schedule."""
    target = urlsplit(base)
    sent: list[int] = []
    errors: list[object] = []
    start = time.monotonic() + 0.2

    def send(index: int) -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        interval = senders / rate
        n = 0
        while (due := start + index / rate + n * interval) < start + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
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
            try:
                connection.request(
                    "POST", "/api/v1/comments", body, {"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                response.read()
                (sent if response.status == 202 else errors).append(response.status)
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
    return {"accepted": len(sent), "errors": len(errors), "first_error": errors[:1]}
