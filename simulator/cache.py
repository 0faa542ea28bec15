"""``simulator.cache.Cache`` as the README showed it; the cache lives in :mod:`simulator.gpu.cache`."""

from simulator.gpu.cache import Cache, CacheStats, Stream

__all__ = ["Cache", "CacheStats", "Stream"]
