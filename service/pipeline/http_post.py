"""One HTTP POST to a webhook receiver: 5 s timeout, no redirects, and (unless allowed) only
to public addresses, checked on the address actually connected to, so that a name resolving
to the server's own network later (DNS rebinding) is refused too."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.domain.webhooks import WebhookRefused, resolve_public

TIMEOUT = 5.0
USER_AGENT = "Sieve-Webhooks/1"


@dataclass(frozen=True)
class Response:
    status: int | None  # None: no answer (refused, timed out, unreachable)
    error: str | None
    seconds: float


def post(url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> Response:
    started = time.monotonic()
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = (
            [
                info[4][0]
                for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
            ]
            if allow_private
            else resolve_public(parts.hostname, port)
        )
        connection = _connection(parts.scheme, parts.hostname, port, addresses[0])
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers,
        })  # fmt: skip
        response = connection.getresponse()
        response.read(64 * 1024)  # the receiver's answer is not kept
        connection.close()
        return Response(response.status, None, time.monotonic() - started)
    except WebhookRefused as error:
        return Response(None, f"refused: {error}", time.monotonic() - started)
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        return Response(None, f"{type(error).__name__}: {error}"[:500], time.monotonic() - started)


def _connection(scheme: str, host: str, port: int, address: str) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPS(host, port, address)
    return _PinnedHTTP(host, port, address)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address, whatever the name resolves to by then."""

    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, as if connected by name.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
