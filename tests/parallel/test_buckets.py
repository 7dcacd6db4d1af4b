"""Bucket sizes and cost-aware ordering."""

import pytest

from parallel import default_bucket_size, make_buckets


@pytest.mark.parametrize(
    ("n", "workers", "expected"),
    [(0, 2, 1), (19, 2, 1), (20, 2, 2), (4000, 10, 41), (10**6, 2, 500), (100, 0, 11)],
    ids=["empty", "small", "two", "hack-example", "capped", "in-process"],
)
def test_default_bucket_size(n, workers, expected):
    assert default_bucket_size(n, workers) == expected


def test_buckets_cover_items_in_order_without_cost():
    buckets = make_buckets(list(range(1000)), workers=2)
    assert [x for b in buckets for x in b] == list(range(1000))
    assert {len(b) for b in buckets[:-1]} == {default_bucket_size(1000, 2)}


def test_explicit_bucket_size_wins():
    assert make_buckets(list(range(7)), workers=2, bucket_size=3) == [[0, 1, 2], [3, 4, 5], [6]]
    by_cost = make_buckets([1, 5, 3, 4], workers=2, bucket_size=2, cost=lambda x: x)
    assert by_cost == [[5, 4], [3, 1]]


def test_bucket_size_must_be_positive():
    with pytest.raises(ValueError, match="bucket_size"):
        make_buckets([1], workers=1, bucket_size=0)


def test_cost_buckets_start_with_the_largest_and_balance_cost():
    items = [1] * 200 + [100, 90, 80]
    buckets = make_buckets(items, workers=2, cost=lambda x: x)
    assert sorted(x for b in buckets for x in b) == sorted(items)
    assert buckets[0] == [100]
    assert buckets[1] == [90]
    costs = [sum(b) for b in buckets]
    # No bucket holds much more than the average: the call can end evenly.
    assert max(costs) <= 2 * (sum(costs) / len(costs)) + 100
    assert all(len(b) <= default_bucket_size(len(items), 2) for b in buckets)
