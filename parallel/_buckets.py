"""Cutting a call's items into buckets (after Hack's Bucket module, with a cost-aware mode)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: buckets per worker aimed at, so the slowest bucket cannot hold the call back (Hack: 10)
MULTIPLIER = 10
#: the largest default bucket (Hack's ``max_size``): beyond it per-bucket overhead is noise
MAX_BUCKET_SIZE = 500


def default_bucket_size(n_items: int, workers: int) -> int:
    """``1 + n // (workers * MULTIPLIER)`` capped at ``MAX_BUCKET_SIZE``."""
    return min(MAX_BUCKET_SIZE, 1 + n_items // (max(1, workers) * MULTIPLIER))


def make_buckets(
    items: Sequence[Any],
    workers: int,
    bucket_size: int | None = None,
    cost: Callable[[Any], float] | None = None,
) -> list[list[Any]]:
    """Cut ``items`` into buckets, in the order they should be dispatched.

    Without ``cost``: consecutive slices of ``bucket_size`` (default
    :func:`default_bucket_size`).  With ``cost``: items sorted by decreasing cost, then filled
    largest-first into buckets of about equal total cost, so the biggest items start first and
    the call ends on small buckets that even out the workers.  An explicit ``bucket_size`` wins
    over the cost-based filling (the items are still ordered largest first).
    """
    if bucket_size is not None and bucket_size < 1:
        raise ValueError(f"bucket_size must be at least 1, got {bucket_size}")
    n = len(items)
    if n == 0:
        return []
    if cost is None:
        size = bucket_size or default_bucket_size(n, workers)
        return [list(items[i : i + size]) for i in range(0, n, size)]
    costs = [float(cost(item)) for item in items]
    order = sorted(range(n), key=lambda i: costs[i], reverse=True)
    if bucket_size is not None:
        ranked = [items[i] for i in order]
        return [ranked[i : i + bucket_size] for i in range(0, n, bucket_size)]
    max_count = default_bucket_size(n, workers)
    n_buckets = -(-n // max_count)
    target = sum(costs) / n_buckets
    buckets: list[list[Any]] = []
    current: list[Any] = []
    current_cost = 0.0
    for i in order:
        current.append(items[i])
        current_cost += costs[i]
        if current_cost >= target or len(current) >= max_count:
            buckets.append(current)
            current, current_cost = [], 0.0
    if current:
        buckets.append(current)
    return buckets
