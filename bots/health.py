"""Liveness and Prometheus metrics for operators, served by the runner (never by core)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from typing import Any

from aiohttp import web

from bots.adapter import AdapterStatus
from bots.http_server import serve
from core.answers import Answer
from core.request import Request
from core.service import ExobotService

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Counters fed by ``ExobotService(on_answer=…)``; rendered in the Prometheus text format."""

    def __init__(self) -> None:
        self.questions: Counter[tuple[str, str]] = Counter()
        self.emergencies: Counter[str] = Counter()
        self._buckets = [0] * len(LATENCY_BUCKETS)
        self._latency_sum = 0.0
        self._latency_count = 0

    def observe(self, request: Request, answer: Answer, seconds: float) -> None:
        self.questions[(request.platform, answer.outcome.value)] += 1
        if answer.emergency:
            self.emergencies[request.platform] += 1
        for i, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                self._buckets[i] += 1
        self._latency_sum += seconds
        self._latency_count += 1

    def render(self, service: ExobotService, statuses: Sequence[AdapterStatus] = ()) -> str:
        lines = [
            "# HELP exobot_questions_total Questions answered, by platform and outcome.",
            "# TYPE exobot_questions_total counter",
        ]
        lines += [
            f'exobot_questions_total{{platform="{p}",outcome="{o}"}} {n}'
            for (p, o), n in sorted(self.questions.items())
        ]
        lines += ["# HELP exobot_emergencies_total Questions answered with emergency advice.",
                  "# TYPE exobot_emergencies_total counter"]  # fmt: skip
        lines += [f'exobot_emergencies_total{{platform="{p}"}} {n}' for p, n in sorted(self.emergencies.items())]
        lines += ["# HELP exobot_answer_seconds Time to answer a question.", "# TYPE exobot_answer_seconds histogram"]
        lines += [
            f'exobot_answer_seconds_bucket{{le="{b}"}} {n}' for b, n in zip(LATENCY_BUCKETS, self._buckets, strict=True)
        ]
        lines += [
            f'exobot_answer_seconds_bucket{{le="+Inf"}} {self._latency_count}',
            f"exobot_answer_seconds_sum {self._latency_sum:.6f}",
            f"exobot_answer_seconds_count {self._latency_count}",
        ]
        if service.writer is not None:
            state = service.writer.state
            lines += [
                "# HELP exobot_log_queue_depth Questions waiting to be written to the log.",
                "# TYPE exobot_log_queue_depth gauge",
                f"exobot_log_queue_depth {state.queue_depth}",
                "# HELP exobot_log_spooled_rows Rows waiting in the spool file for the database to recover.",
                "# TYPE exobot_log_spooled_rows gauge",
                f"exobot_log_spooled_rows {state.spooled}",
                "# HELP exobot_log_held_rows Rows neither the database nor the spool could take, held in memory.",
                "# TYPE exobot_log_held_rows gauge",
                f"exobot_log_held_rows {state.held}",
                "# HELP exobot_log_written_total Rows written to the log database.",
                "# TYPE exobot_log_written_total counter",
                f"exobot_log_written_total {state.written}",
            ]
        lines += ["# HELP exobot_adapter_up Whether each configured adapter is connected.",
                  "# TYPE exobot_adapter_up gauge"]  # fmt: skip
        lines += [f'exobot_adapter_up{{adapter="{s.name}"}} {int(s.healthy)}' for s in statuses]
        lines += ["# HELP exobot_content_entries Entries in the live content.", "# TYPE exobot_content_entries gauge",
                  f"exobot_content_entries {len(service.engine.catalogue.entries)}"]  # fmt: skip
        return "\n".join(lines) + "\n"


def health(service: ExobotService, statuses: Sequence[AdapterStatus]) -> tuple[bool, dict[str, Any]]:
    """Whether the bot is fit to serve, and why: the log writer alive, not stuck and writing to its
    database, and every configured adapter connected."""
    writer = service.writer.state if service.writer is not None else None
    adapters = {s.name: s.as_dict() for s in statuses}
    ok = (writer is None or writer.ok) and all(s.healthy for s in statuses)
    return ok, {
        "status": "ok" if ok else "failing",
        "log_writer": asdict(writer) if writer else None,
        "adapters": adapters,
    }


def health_app(service: ExobotService, metrics: Metrics, statuses: Sequence[AdapterStatus]) -> web.Application:
    async def healthz(request: web.Request) -> web.Response:
        ok, body = health(service, statuses)
        return web.Response(text=json.dumps(body), status=200 if ok else 503, content_type="application/json")

    async def metrics_page(request: web.Request) -> web.Response:
        return web.Response(text=metrics.render(service, statuses), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app


@contextlib.asynccontextmanager
async def serve_health(
    addr: tuple[str, int] | None, service: ExobotService, metrics: Metrics, statuses: Sequence[AdapterStatus]
) -> AsyncIterator[None]:
    """Serve /healthz and /metrics on addr while the block runs; None disables it."""
    if addr is None:
        yield
        return
    async with serve(health_app(service, metrics, statuses), addr[0], addr[1], what="health and metrics"):
        log.info("health and metrics on http://%s:%d/healthz and /metrics", *addr)
        yield
