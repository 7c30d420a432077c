"""Prometheus metrics: requests by route template, method and status, and how long they took. Labels hold
templates and codes only — never a path, a reference or an organisation. With several workers set
`PROMETHEUS_MULTIPROC_DIR` (an empty directory per start): each worker writes there and `/metrics` adds them up."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("inbeeld_requests", "Requests answered", ["route", "method", "status"])
DURATION = Histogram("inbeeld_request_seconds", "Time to answer a request", ["route"],
                     buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))


def observe(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    DURATION.labels(route).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text format, over every worker when they share a multiprocess directory."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
