"""Tensor allocator: 256 B alignment, best-fit reuse of freed blocks, merging, and lifetimes over an op list."""

from __future__ import annotations

import numpy as np
import pytest

from traces.allocator import TensorAllocator, plan_addresses
from workloads.ops import Elementwise, Tensor


def test_alignment_and_rounding():
    al = TensorAllocator()
    addrs = [al.alloc(f"t{i}", n) for i, n in enumerate([1, 255, 256, 257, 4096, 3])]
    assert all(a % 256 == 0 for a in addrs)
    assert np.diff(addrs).tolist() == [256, 256, 256, 512, 4096]


def test_freed_block_is_reused_best_fit_and_split():
    al = TensorAllocator()
    a = al.alloc("a", 4096)
    al.alloc("b", 256)
    c = al.alloc("c", 1024)
    al.alloc("d", 256)
    al.free("a")
    al.free("c")
    assert al.alloc("e", 1000) == c  # the 1 KB hole fits best, not the 4 KB one
    assert al.alloc("f", 1024) == a  # then the 4 KB hole is split: its head is reused ...
    assert al.alloc("g", 3072) == a + 1024  # ... and its tail
    top = al.top_B
    assert al.alloc("h", 256) == top  # nothing free left: the heap grows


def test_neighbouring_free_blocks_merge():
    al = TensorAllocator()
    a = al.alloc("a", 512)
    al.alloc("b", 512)
    al.alloc("c", 512)
    al.alloc("keep", 256)
    al.free("a")
    al.free("c")
    al.free("b")  # a, b, c now form one 1536 B block
    assert al.alloc("big", 1536) == a


def test_live_blocks_never_overlap_under_random_churn():
    rng = np.random.default_rng(7)
    al = TensorAllocator()
    live = {}
    for i in range(400):
        if live and rng.random() < 0.45:
            name = list(live)[rng.integers(len(live))]
            al.free(name)
            del live[name]
        else:
            n = int(rng.integers(1, 50_000))
            live[f"t{i}"] = (al.alloc(f"t{i}", n), n)
        spans = sorted(live.values())
        for (a0, n0), (a1, _) in zip(spans, spans[1:], strict=False):
            assert a0 + n0 <= a1


def test_plan_frees_after_last_use_and_keeps_weights():
    x = Tensor("x", (1024,), kind="input")
    w = Tensor("w", (1024,), kind="weight")
    h1 = Tensor("h1", (1024,))
    h2 = Tensor("h2", (1024,))
    h3 = Tensor("h3", (1024,))
    ops = [
        Elementwise("o1", "l1", "forward", "relu", (x, w), (h1,)),
        Elementwise("o2", "l2", "forward", "relu", (h1,), (h2,)),  # h1 dies here
        Elementwise("o3", "l3", "forward", "relu", (h2,), (h3,)),  # h3 takes h1's block
        Elementwise("o4", "l4", "forward", "relu", (h3, w), (x,)),
    ]
    addrs, al = plan_addresses(ops)
    assert addrs["h3"] == addrs["h1"]
    assert len({addrs[n] for n in ("x", "w", "h1", "h2")}) == 4
    assert al.peak_B == 4 * 4096


def test_plan_rejects_a_name_with_two_sizes():
    a, b = Tensor("t", (4,)), Tensor("t", (8,))
    with pytest.raises(ValueError, match=r"ops\[0\]\.t: 32 B in op 'o', 16 B earlier"):
        plan_addresses([Elementwise("o", "l", "forward", "relu", (a,), (b,))])


def test_bad_alignment():
    with pytest.raises(ValueError, match="alignment_B"):
        TensorAllocator(alignment_B=100)
