"""Device addresses for a lowered step's tensors, as a framework's caching allocator gives them.

Why it matters: which buffers share addresses decides which lines are still
in L2 when the next kernel runs. A DNN framework (PyTorch's CUDA caching
allocator, DarkNet's per-layer buffers) never returns memory to the driver
during a step; it keeps freed blocks and hands them to the next request that
fits. We model that:

- every block is aligned to ``alignment_B`` (256 B, ``cudaMalloc``'s
  guarantee and PyTorch's rounding granule);
- a request takes the *best-fitting* free block (smallest that is large
  enough, lowest address on ties), splitting off the remainder; with none,
  the heap grows at the top;
- a freed block merges with free neighbours.

:func:`plan_addresses` walks an op list: a tensor is allocated at its first
use and freed after its last use, except kinds a framework keeps for the whole
run (weights, their gradients, optimizer state, the input batch).
"""

from __future__ import annotations

import bisect

from models.errors import ConfigError

PERSISTENT_KINDS = frozenset({"weight", "weight_grad", "optimizer", "input"})
"""Tensor kinds that live for the whole run (never freed inside a step)."""

DEFAULT_BASE_B = 1 << 32
"""Where the heap starts: a 4 GiB-aligned device address, so address 0 is never handed out."""


class TensorAllocator:
    """Best-fit caching allocator with ``alignment_B`` granules (see module docstring)."""

    def __init__(self, alignment_B: int = 256, base_B: int = DEFAULT_BASE_B):
        if alignment_B <= 0 or alignment_B & (alignment_B - 1):
            raise ConfigError("alignment_B", f"must be a positive power of two, got {alignment_B}")
        if base_B % alignment_B:
            raise ConfigError("base_B", f"must be a multiple of alignment_B ({alignment_B}), got {base_B}")
        self.alignment_B = alignment_B
        self.base_B = base_B
        self.top_B = base_B
        self._free: list[tuple[int, int]] = []  # sorted (addr, size) of free blocks
        self._live: dict[str, tuple[int, int]] = {}  # name -> (addr, size)
        self.peak_B = 0

    def _round(self, nbytes: int) -> int:
        a = self.alignment_B
        return max(a, -(-int(nbytes) // a) * a)

    def alloc(self, name: str, nbytes: int) -> int:
        """Give ``name`` an aligned block of at least ``nbytes`` and return its address."""
        if name in self._live:
            raise ValueError(f"tensor {name!r}: already allocated")
        size = self._round(nbytes)
        best = -1
        for i, (_addr, free_size) in enumerate(self._free):
            if free_size >= size and (best < 0 or free_size < self._free[best][1]):
                best = i
        if best >= 0:
            addr, free_size = self._free.pop(best)
            if free_size > size:
                bisect.insort(self._free, (addr + size, free_size - size))
        else:
            addr = self.top_B
            if self._free and self._free[-1][0] + self._free[-1][1] == self.top_B:
                # Grow the free block at the top instead of leaving it stranded.
                addr = self._free.pop()[0]
            self.top_B = addr + size
        self._live[name] = (addr, size)
        self.peak_B = max(self.peak_B, self.top_B - self.base_B)
        return addr

    def free(self, name: str) -> None:
        """Return ``name``'s block to the cache, merging it with free neighbours."""
        addr, size = self._live.pop(name)
        i = bisect.bisect_left(self._free, (addr, size))
        if i < len(self._free) and addr + size == self._free[i][0]:
            size += self._free.pop(i)[1]
        if i > 0 and self._free[i - 1][0] + self._free[i - 1][1] == addr:
            addr, prev = self._free.pop(i - 1)
            size += prev
            i -= 1
        self._free.insert(i, (addr, size))

    def address(self, name: str) -> int:
        return self._live[name][0]


def op_tensors(op) -> list:
    """The tensors an op touches, in a stable order (reads before writes)."""
    if hasattr(op, "reads"):
        return [*op.reads, *op.writes]
    out = [op.a, op.b, op.c]
    if getattr(op, "lowered", None) is not None:
        out.append(op.lowered)
    return out


def plan_addresses(ops, allocator: TensorAllocator | None = None) -> tuple[dict[str, int], TensorAllocator]:
    """Address of every tensor named in ``ops``: allocate at first use, free after last use.

    Tensors of :data:`PERSISTENT_KINDS` are never freed. A name seen again with
    a different size is an error (names are unique within a lowered step).
    """
    alloc = allocator or TensorAllocator()
    ops = list(ops)
    last: dict[str, int] = {}
    seen: dict[str, object] = {}
    for i, op in enumerate(ops):
        for t in op_tensors(op):
            prev = seen.setdefault(t.name, t)
            if prev.nbytes != t.nbytes:
                raise ConfigError(f"ops[{i}].{t.name}", f"{t.nbytes} B in op {op.name!r}, {prev.nbytes} B earlier")
            last[t.name] = i
    addrs: dict[str, int] = {}
    for i, op in enumerate(ops):
        tensors = op_tensors(op)
        for t in tensors:
            if t.name not in addrs:
                addrs[t.name] = alloc.alloc(t.name, t.nbytes)
        for t in tensors:
            if last.get(t.name) == i and t.kind not in PERSISTENT_KINDS:
                alloc.free(t.name)
                del last[t.name]
    return addrs, alloc
