"""The webhook's HTTP server: bounded in time, connections and memory, checking before reading.

python-telegram-bot's built-in server (tornado) waits an hour for a request's headers, has
no body timeout and no connection cap, buffers up to 100 MB of body before the secret is
checked, and spins logging `Too many open files` once the process runs out of them. uvicorn
(the server of PTB's custom-webhook example) has no timeout on receiving a request either.
Telegram only ever POSTs small JSON, so this server is small: asyncio streams with h11
(the HTTP/1.1 parser behind httpx and uvicorn) and these limits:

- at most `max_connections` open connections: a new one evicts the oldest that is still
  sending its request (a real request takes milliseconds, so it always gets in);
- `header_seconds` to send the request line and headers (at most `max_header_bytes`);
- the path, method, secret token, Content-Type and Content-Length (at most
  `max_body_bytes`) are checked before one byte of the body is read;
- `body_seconds` to send the body; one request per connection.

Refusals are logged once per interval with a count, never once per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import h11

log = logging.getLogger(__name__)

Deliver = Callable[[Any], Awaitable[None]]
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class WebhookLimits:
    """How much the webhook server gives one client, and all of them together."""

    # Telegram opens at most 40 connections at once (setWebhook's max_connections).
    max_connections: int = 64
    header_seconds: float = 10.0
    body_seconds: float = 10.0
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 1_000_000  # Telegram's updates are a few kB
    log_interval_seconds: float = 60.0


class Refused(Exception):
    """A request answered with an error status before its body was read."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ThrottledLog:
    """Logs each kind of event at most once per interval, with how often it happened since."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._next: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def log(self, level: int, kind: str) -> None:
        now = self._clock()
        if now < self._next.get(kind, float("-inf")):
            self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
            return
        self._next[kind] = now + self._interval
        more = self._unlogged.pop(kind, 0)
        suffix = f" ({more} more since the last report)" if more else ""
        self._logger.log(level, "webhook: %s%s", kind, suffix)


class WebhookServer:
    """Accepts Telegram's update POSTs on `path` with the secret token; hands each on."""

    def __init__(
        self, *, path: str, secret: str, deliver: Deliver, limits: WebhookLimits | None = None
    ) -> None:
        self._path = ("/" + path.lstrip("/")).encode()
        self._secret = secret.encode()
        self._deliver = deliver
        self.limits = limits or WebhookLimits()
        # Open connections, oldest first; True while still sending the request (evictable).
        self._connections: dict[asyncio.StreamWriter, bool] = {}
        self._server: asyncio.Server | None = None
        self._log = ThrottledLog(log, self.limits.log_interval_seconds)

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the webhook server is not listening")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=_READ_CHUNK, backlog=128
        )

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections):
            writer.transport.abort()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=1)
            self._server = None

    def open_connections(self) -> int:
        return len(self._connections)

    def _admit(self, writer: asyncio.StreamWriter) -> bool:
        if len(self._connections) >= self.limits.max_connections:
            oldest_waiting = next((w for w, sending in self._connections.items() if sending), None)
            if oldest_waiting is None:
                self._log.log(logging.WARNING, "all connections busy; refused a new one")
                return False
            self._log.log(
                logging.WARNING, "too many open connections; closed the oldest still sending"
            )
            del self._connections[oldest_waiting]
            oldest_waiting.transport.abort()
        self._connections[writer] = True
        return True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._admit(writer):
            writer.transport.abort()
            return
        connection = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes
        )
        try:
            status = await self._handle(connection, reader, writer)
        except Refused as refusal:
            self._log.log(logging.INFO, f"refused a request: {refusal.reason}")
            status = refusal.status
        except TimeoutError:
            self._log.log(logging.INFO, "a client was too slow sending its request; closed")
            status = 408
        except h11.RemoteProtocolError:
            self._log.log(logging.INFO, "a request was not valid HTTP/1.1")
            status = 400
        except (ConnectionError, asyncio.IncompleteReadError):
            status = 0
        except Exception:  # a bug here must not take the server down
            log.exception("webhook: error while handling a request")
            status = 500
        try:
            if status and writer in self._connections:
                await asyncio.wait_for(self._respond(connection, writer, status), timeout=5)
        except Exception:  # the client went away, or cannot take the answer: nothing to do
            pass
        finally:
            self._connections.pop(writer, None)
            writer.transport.abort()  # one request per connection; never wait on a slow reader

    async def _handle(
        self, connection: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> int:
        async with asyncio.timeout(self.limits.header_seconds):
            request = await _next_event(connection, reader)
        if not isinstance(request, h11.Request):
            raise ConnectionError("closed before a request")
        headers = dict(request.headers)  # h11 gives lower-case names
        if request.target.split(b"?", 1)[0] != self._path:
            raise Refused(404, "unknown path")
        if request.method != b"POST":
            raise Refused(405, "not a POST")
        token = headers.get(b"x-telegram-bot-api-secret-token", b"")
        if not hmac.compare_digest(token, self._secret):
            raise Refused(403, "wrong or missing secret token")
        content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if content_type != b"application/json":
            raise Refused(415, "not application/json")
        length_header = headers.get(b"content-length")
        if length_header is None:
            raise Refused(411, "no Content-Length")
        length = int(length_header)  # h11 has checked it is a number
        if length > self.limits.max_body_bytes:
            raise Refused(413, f"body over {self.limits.max_body_bytes} bytes")
        self._connections[writer] = False  # Telegram itself: no longer evictable
        body = bytearray()
        async with asyncio.timeout(self.limits.body_seconds):
            while True:
                event = await _next_event(connection, reader)
                if isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    raise ConnectionError("closed inside the body")
        try:
            update = json.loads(body)
        except ValueError as exc:
            raise Refused(400, "body is not JSON") from exc
        await self._deliver(update)
        return 200

    async def _respond(
        self, connection: h11.Connection, writer: asyncio.StreamWriter, status: int
    ) -> None:
        if connection.our_state is not h11.SEND_RESPONSE:
            return
        headers = [(b"content-length", b"0"), (b"connection", b"close")]
        writer.write(connection.send(h11.Response(status_code=status, headers=headers)) or b"")
        writer.write(connection.send(h11.EndOfMessage()) or b"")
        await writer.drain()


async def _next_event(connection: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        connection.receive_data(await reader.read(_READ_CHUNK))
