"""Prometheus metrics: what an operator watches (intake, sealing, anchoring lag)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_RECORDED = Counter("ledger_events_recorded_total", "Evidence events recorded",
                          ["type"], registry=REGISTRY)
REQUESTS = Counter("ledger_http_requests_total", "HTTP requests", ["method", "route", "status"],
                   registry=REGISTRY)
REQUEST_SECONDS = Histogram("ledger_http_request_seconds", "HTTP request latency",
                            ["method", "route"], registry=REGISTRY,
                            buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
BATCHES_SEALED = Counter("ledger_batches_sealed_total", "Batches sealed", registry=REGISTRY)
EVENTS_SEALED = Counter("ledger_events_sealed_total", "Events sealed into batches",
                        registry=REGISTRY)
PENDING_EVENTS = Gauge("ledger_pending_events", "Events not yet sealed", registry=REGISTRY)
BATCHER_LEADER = Gauge("ledger_batcher_leader", "1 when this process holds the sealing lock",
                       registry=REGISTRY)
ANCHORED = Counter("ledger_batches_anchored_total", "Batch headers anchored", ["backend"],
                   registry=REGISTRY)
ANCHOR_FAILURES = Counter("ledger_anchor_failures_total", "Failed anchor attempts",
                          ["backend", "kind"], registry=REGISTRY)
ANCHOR_LAG_BATCHES = Gauge("ledger_anchor_lag_batches", "Sealed batches not yet anchored",
                           ["backend"], registry=REGISTRY)
ANCHOR_LAG_SECONDS = Gauge("ledger_anchor_lag_seconds",
                           "Age of the oldest sealed batch not yet anchored", ["backend"],
                           registry=REGISTRY)
