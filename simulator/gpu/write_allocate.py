"""Write-allocate modes by name: what a write that misses does (``l1.write_allocate`` / ``l2.write_allocate``,
``Cache(write_allocate=...)``), after GPGPU-Sim's write-allocate letters (``gpu-cache.cc``, ``data_cache::wr_miss_*``).

- ``"none"`` (``false``; GPGPU-Sim ``N``): the write is forwarded to the next level; the cache is unchanged.
- ``"fetch_on_write"`` (GPGPU-Sim ``F``): the line is allocated and marked dirty.  A whole-line cache fetches the
  line first (one next-level read, the textbook write-allocate).  A sectored cache does not fetch: every nvmsim
  write covers its whole sector, and GPGPU-Sim's ``F`` fetches only for partial-sector writes.
- ``"lazy"`` (GPGPU-Sim ``L``, lazy fetch-on-read; sectored caches only): the written sector becomes valid and dirty
  with no fetch.  On a sectored cache it behaves as ``"fetch_on_write"`` (nvmsim writes cover their sector); a
  whole-line cache would need per-byte readability to model it, so it is refused there.
- ``"naive"`` (GPGPU-Sim ``W``, its 3.x write-allocate, used by the SM6_GTX1080 L2): the write itself is forwarded
  to the next level **and** the line (a sectored cache: the sector) is read; it fills clean.  A write to a present
  line (sector) is a hit as usual (write-back: marked dirty).
- ``true``: the behaviour nvmsim always had, kept for existing files: ``"lazy"`` on a sectored cache,
  ``"fetch_on_write"`` on a whole-line cache.

The kernels see two compile-time flags (:func:`kernel_flags`): whether a write miss allocates, and whether it is
the naive kind.
"""

from __future__ import annotations

from models.errors import ConfigError

WRITE_ALLOCATE_MODES = ("none", "fetch_on_write", "lazy", "naive")


def write_allocate_mode(value, sectored: bool, field: str = "write_allocate") -> str:
    """The mode name for a config value (a bool or a mode name) on a sectored or whole-line cache."""
    if isinstance(value, bool):
        return ("lazy" if sectored else "fetch_on_write") if value else "none"
    if value not in WRITE_ALLOCATE_MODES:
        raise ConfigError(field, f"must be true, false or one of {', '.join(repr(m) for m in WRITE_ALLOCATE_MODES)}, "
                                 f"got {value!r}")
    if value == "lazy" and not sectored:
        raise ConfigError(field, "'lazy' (GPGPU-Sim's lazy fetch-on-read) needs a sectored cache (sector_B); "
                                 "a whole-line cache takes 'fetch_on_write', 'naive' or false")
    return value


def kernel_flags(mode: str) -> tuple[bool, bool]:
    """``(write_allocate, naive)`` compile-time flags of the lookup kernel for a mode name."""
    return mode != "none", mode == "naive"
