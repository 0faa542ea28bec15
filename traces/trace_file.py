"""nvmsim trace files: a memory-access stream saved to disk and streamed back chunk by chunk.

Format (version 1) -- a Parquet file (Apache Parquet, written with pyarrow):

- columns ``addr`` (uint64 byte address), ``is_write`` (bool), ``sm`` (int32,
  -1 when no SM issued it), ``kernel`` (int32 kernel id within the trace);
- page CRC checksums on, verified on read, so a flipped byte in the data is an error, not wrong addresses;
- one Parquet row group per :class:`TraceChunk`, so reading back yields the
  same chunks, one at a time, without loading the file whole;
- file key-value metadata ``nvmsim.trace`` = a JSON object with
  ``format`` = ``"nvmsim-trace"``, ``version`` = 1, ``n_accesses``,
  ``n_chunks`` and the caller's ``meta`` (network, phase, batch, chip, ...).

The file is written to a temporary name next to the target and renamed over
it when complete, so a killed writer never leaves a half file behind.
A file that is not Parquet, is truncated, lacks the ``nvmsim.trace`` key,
has another version, or whose row counts disagree with its header raises
:class:`models.errors.FileFormatError` naming the path and the reason.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from models.errors import ConfigError, FileFormatError
from traces.chunk import TraceChunk

FORMAT_NAME = "nvmsim-trace"
FORMAT_VERSION = 1
META_KEY = b"nvmsim.trace"
SCHEMA = pa.schema([("addr", pa.uint64()), ("is_write", pa.bool_()), ("sm", pa.int32()), ("kernel", pa.int32())])


def save_trace(path, chunks: Iterable[TraceChunk], meta: dict | None = None) -> Path:
    """Write ``chunks`` to ``path`` (one row group each), atomically; return the path.

    Parameters
    ----------
    path : str or Path
        Target file (conventionally ``.nvtrace.parquet``).
    chunks : iterable of TraceChunk
        Consumed once, chunk by chunk.
    meta : dict
        JSON-serialisable description: network, phase, batch, chip, ...
    """
    path = Path(path)
    meta = dict(meta or {})
    try:
        json.dumps(meta)
    except TypeError as e:
        raise ConfigError("meta", f"must be JSON-serialisable ({e})") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    n_acc = 0
    n_chunks = 0
    try:
        # The header must carry the totals, so the writer learns them first and
        # attaches the schema metadata to the footer when it closes.
        writer = pq.ParquetWriter(tmp, SCHEMA, compression="zstd", write_page_checksum=True)
        try:
            for c in chunks:
                if len(c) == 0:
                    continue
                table = pa.Table.from_arrays([pa.array(c.addr), pa.array(c.is_write), pa.array(c.sm),
                                              pa.array(c.kernel)], schema=SCHEMA)
                writer.write_table(table, row_group_size=len(c))
                n_acc += len(c)
                n_chunks += 1
            header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "n_accesses": n_acc, "n_chunks": n_chunks,
                      "meta": meta}
            writer.add_key_value_metadata({META_KEY.decode(): json.dumps(header)})
        finally:
            writer.close()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


class TraceFile:
    """An opened trace file: ``meta`` (the saved description), ``n_accesses``, and iteration over chunks."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileFormatError(self.path, "no such file")
        try:
            pf = pq.ParquetFile(self.path, page_checksum_verification=True)
        except (pa.ArrowException, OSError) as e:
            raise FileFormatError(self.path, f"not a readable nvmsim trace (truncated or not Parquet: {e})") from None
        kv = pf.metadata.metadata or {}
        if META_KEY not in kv:
            raise FileFormatError(self.path, "not an nvmsim trace (no 'nvmsim.trace' header)")
        try:
            header = json.loads(kv[META_KEY])
        except ValueError:
            raise FileFormatError(self.path, "corrupt header (not JSON)") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            raise FileFormatError(self.path, "not an nvmsim trace (header format is not 'nvmsim-trace')")
        if header.get("version") != FORMAT_VERSION:
            raise FileFormatError(self.path, f"unsupported trace format version {header.get('version')!r} "
                                             f"(this nvmsim reads version {FORMAT_VERSION})")
        names = pf.schema_arrow.names
        if names != SCHEMA.names or pf.schema_arrow.types != SCHEMA.types:
            raise FileFormatError(self.path, f"wrong columns {names} (expected {SCHEMA.names} with types "
                                             f"uint64, bool, int32, int32)")
        if pf.metadata.num_rows != header.get("n_accesses") or pf.num_row_groups != header.get("n_chunks"):
            raise FileFormatError(self.path, f"header says {header.get('n_accesses')} accesses in "
                                             f"{header.get('n_chunks')} chunks, file holds {pf.metadata.num_rows} "
                                             f"in {pf.num_row_groups}")
        self._pf = pf
        self.version = header["version"]
        self.n_accesses = int(header["n_accesses"])
        self.n_chunks = int(header["n_chunks"])
        self.meta = dict(header.get("meta") or {})
        self.meta.setdefault("format_version", self.version)

    def __len__(self) -> int:
        return self.n_accesses

    def __iter__(self) -> Iterator[TraceChunk]:
        try:
            pf = pq.ParquetFile(self.path, page_checksum_verification=True)
        except (pa.ArrowException, OSError) as e:
            raise FileFormatError(self.path, f"unreadable: {e}") from None
        for i in range(pf.num_row_groups):
            try:
                t = pf.read_row_group(i)
                cols = [t.column(n).to_numpy() for n in SCHEMA.names]
            except (pa.ArrowException, OSError) as e:
                raise FileFormatError(self.path, f"corrupt chunk {i}: {e}") from None
            yield TraceChunk(*(np.ascontiguousarray(c) for c in cols))


def load_trace(path) -> TraceFile:
    """Open a trace written by :func:`save_trace`; chunks stream from disk when iterated.

    Raises
    ------
    models.errors.FileFormatError
        Missing, truncated, corrupt, wrong-version or non-trace file.
    """
    return TraceFile(path)
