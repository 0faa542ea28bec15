"""nvmsim traces: memory-access streams generated from ops, trace files, and importers of measured data."""

from .chunk import DEFAULT_CHUNK, TraceChunk

__all__ = ["DEFAULT_CHUNK", "TraceChunk"]
