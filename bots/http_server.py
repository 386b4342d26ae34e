"""Serve an aiohttp app on a TCP port with the limits a public server needs.

aiohttp waits as long as a client likes for a request's headers, and keeps every connection it is
handed: fifty idle or trickling sockets stay open for good, and enough of them exhaust the process's
file descriptors so that real requests time out. Every port exobot serves (Slack's HTTP endpoint,
health and metrics, the review pages) goes through here instead:

- a connection must deliver a complete request head within ``header_timeout`` of connecting (or of
  its previous response), and its body within ``body_timeout``;
- an idle keep-alive connection is closed after ``idle_timeout``;
- at most ``max_connections`` are open; a new one beyond that evicts the longest-idle connection, or
  is refused when every connection is busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import resource
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger(__name__)


def connection_budget() -> int:
    """Connections one server may hold: a share of the file descriptors this process may open, so that
    the ports together can never exhaust them. Up to three ports serve; each may hold its budget and,
    for a moment, as many again just accepted (the accept backlog), so each gets a sixth."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    available = soft if soft != resource.RLIM_INFINITY else 65536
    return max(16, min(512, (available - 64) // 6))


@dataclass(frozen=True)
class Limits:
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    idle_timeout: float = 15.0
    max_connections: int = field(default_factory=connection_budget)


class PortInUse(Exception):
    """The address is taken: one clear line for the operator, not a traceback."""


class _Connections:
    """Open connections, each with the moment it must have done something by."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._deadline: dict[asyncio.BaseTransport, float] = {}
        self._busy: set[asyncio.BaseTransport] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._deadline)

    def opened(self, transport: asyncio.BaseTransport) -> None:
        if len(self._deadline) >= self.limits.max_connections and not self._evict_idle():
            transport.close()
            return
        self._deadline[transport] = time.monotonic() + self.limits.header_timeout
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    def closed(self, transport: asyncio.BaseTransport) -> None:
        self._deadline.pop(transport, None)
        self._busy.discard(transport)

    def busy(self, transport: asyncio.BaseTransport | None) -> None:
        if transport is not None:
            self._busy.add(transport)

    def idle(self, transport: asyncio.BaseTransport | None) -> None:
        if transport is not None and transport in self._deadline:
            self._busy.discard(transport)
            self._deadline[transport] = time.monotonic() + self.limits.idle_timeout

    def _evict_idle(self) -> bool:
        idle = [(deadline, t) for t, deadline in self._deadline.items() if t not in self._busy]
        if not idle:
            return False
        _, oldest = min(idle, key=lambda pair: pair[0])
        self.closed(oldest)
        oldest.close()
        return True

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for transport, deadline in list(self._deadline.items()):
                if deadline < now and transport not in self._busy:
                    self.closed(transport)
                    transport.close()

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the connection registered while it is open."""

    def __init__(self, inner: asyncio.Protocol, connections: _Connections) -> None:
        self._inner = inner
        self._connections = connections
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._connections.opened(transport)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._connections.closed(self._transport)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class _GuardedSite(web.BaseSite):
    def __init__(self, runner: web.AppRunner, host: str, port: int, connections: _Connections) -> None:
        super().__init__(runner)
        self._host, self._port = host, port
        self._connections = connections

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._listening = await loop.create_server(
            lambda: _Guarded(server(), self._connections), self._host, self._port,
            backlog=min(self._backlog, self._connections.limits.max_connections),
        )  # fmt: skip
        self._server = self._listening

    @property
    def port(self) -> int:
        return int(self._listening.sockets[0].getsockname()[1])


def _guard(connections: _Connections) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def guard(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        connections.busy(request.transport)
        try:
            if request.can_read_body:
                try:
                    async with asyncio.timeout(connections.limits.body_timeout):
                        await request.read()
                except TimeoutError:
                    raise web.HTTPRequestTimeout(text="request body too slow") from None
            return await handler(request)
        finally:
            connections.idle(request.transport)

    return guard


@contextlib.asynccontextmanager
async def serve(
    app: web.Application, host: str, port: int, *, what: str, limits: Limits | None = None
) -> AsyncIterator[int]:
    """Serve app on host:port while the block runs; yields the port (useful when port is 0)."""
    connections = _Connections(limits or Limits())
    app.middlewares.insert(0, _guard(connections))
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=connections.limits.idle_timeout)
    await runner.setup()
    site = _GuardedSite(runner, host, port, connections)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise PortInUse(f"cannot serve {what} on {host}:{port}: {exc.strerror}") from None
        raise
    try:
        yield site.port
    finally:
        await connections.close()
        await runner.cleanup()
