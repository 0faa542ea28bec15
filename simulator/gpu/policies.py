"""Cache replacement policies, registered by name: the seam between a chip's ``l1.policy`` / ``l2.policy`` (or
``Cache(policy=...)``) and the lookup kernel.

Why a registry and not a kernel per policy: the set-associative lookup (:mod:`simulator.gpu.kernels.lookup`) is the
same for every policy that keeps one rank per way; only what a hit does to the ranks differs.  A :class:`Policy`
therefore carries that behaviour as compile-time constants, the kernel factory folds them into its code (the
memo key and Numba's on-disk cache are per policy), and the engines only pass the name along.

Shipped: GPGPU-Sim's two replacement policies (cache config letters ``L`` and ``F``; ``tag_array::probe`` and
``tag_array::access`` in its ``gpu-cache.cc``):

- ``lru``: victim = the least recently used line; a hit of any kind (read or write, a present or a missing
  sector of the line) makes the line the most recent (GPGPU-Sim updates the last-access time on hits, hits on
  pending sectors and sector allocations).
- ``fifo``: victim = the line allocated longest ago; a hit leaves the order unchanged (GPGPU-Sim orders by the
  allocation time, set only when a line is allocated).

Either way an allocating miss makes the new line the youngest, and empty ways fill before anything is evicted.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.errors import ConfigError

DEFAULT_POLICY = "lru"


@dataclass(frozen=True)
class Policy:
    """A replacement policy as the lookup kernel sees it.

    ``hit_promotes``: whether an access to a line already in the cache (any sector, read or write) makes it the
    youngest; true for LRU (ranks are recency), false for FIFO (ranks are allocation order).  A compile-time
    constant of the kernels.
    """

    name: str
    description: str
    hit_promotes: bool


_POLICIES: dict[str, Policy] = {}


def register_policy(policy: Policy) -> Policy:
    """Make ``policy`` selectable by its name (in chip files and ``Cache``); a name can be registered once."""
    if not isinstance(policy, Policy):
        raise TypeError(f"expected a Policy, got {type(policy).__name__}")
    if policy.name in _POLICIES and _POLICIES[policy.name] != policy:
        raise ValueError(f"replacement policy {policy.name!r} is already registered")
    _POLICIES[policy.name] = policy
    return policy


def policy_names() -> list[str]:
    """The registered policy names, sorted."""
    return sorted(_POLICIES)


def get_policy(name, field: str = "policy") -> Policy:
    """The policy registered as ``name``; an unknown name raises :class:`ConfigError` on ``field`` listing the
    valid names."""
    if not isinstance(name, str) or name not in _POLICIES:
        raise ConfigError(field, f"unknown replacement policy {name!r} (valid: {', '.join(policy_names())})")
    return _POLICIES[name]


LRU = register_policy(Policy("lru", "least recently used: a hit makes the line the most recent", True))
FIFO = register_policy(Policy("fifo", "first in, first out: lines leave in allocation order; hits change nothing",
                              False))
