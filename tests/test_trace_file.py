"""Trace files: round trip chunk by chunk, header metadata, atomic writes, and every kind of bad file."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from models.errors import FileFormatError
from traces import TraceChunk, load_trace, save_trace
from traces.trace_file import META_KEY, SCHEMA

META = {"network": "alexnet", "phase": "inference", "batch": 4, "chip": "gtx1080ti-deepnvm"}


def _chunks(n=4, size=500, seed=0):
    rng = np.random.default_rng(seed)
    return [TraceChunk.from_arrays(rng.integers(0, 1 << 40, size) * 32, rng.random(size) < 0.3,
                                   rng.integers(-1, 28, size), i) for i in range(n)]


def test_round_trip_streams_the_same_chunks(tmp_path):
    chunks = _chunks()
    path = save_trace(tmp_path / "t.nvtrace.parquet", iter(chunks), META)
    tf = load_trace(path)
    assert tf.meta == {**META, "format_version": 1}
    assert tf.n_accesses == len(tf) == 2000 and tf.n_chunks == 4
    back = list(tf)
    assert len(back) == 4
    for a, b in zip(chunks, back, strict=True):
        assert np.array_equal(a.addr, b.addr) and np.array_equal(a.is_write, b.is_write)
        assert np.array_equal(a.sm, b.sm) and np.array_equal(a.kernel, b.kernel)
        assert b.addr.dtype == np.uint64 and b.sm.dtype == np.int32
    assert len(list(tf)) == 4  # iterable more than once


def test_generated_trace_round_trip(tmp_path):
    from traces import gpu_trace
    from workloads.ops import Elementwise, Tensor

    x = Tensor("x", (5000,))
    tr = gpu_trace([Elementwise("r", "l", "forward", "relu", (x,), (x,))], chunk_size=100)
    tf = load_trace(save_trace(tmp_path / "g.parquet", tr, {"network": "toy"}))
    assert tf.n_accesses == tr.n_accesses
    assert np.array_equal(np.concatenate([c.addr for c in tf]), np.concatenate([c.addr for c in tr]))


def test_failed_write_leaves_nothing_behind(tmp_path):
    def broken():
        yield from _chunks(1)
        raise RuntimeError("generator died")

    with pytest.raises(RuntimeError):
        save_trace(tmp_path / "t.parquet", broken(), META)
    assert list(tmp_path.iterdir()) == []


def test_meta_must_be_json(tmp_path):
    with pytest.raises(ValueError, match="meta"):
        save_trace(tmp_path / "t.parquet", _chunks(1), {"chip": object()})


def _expect_error(path, reason):
    with pytest.raises(FileFormatError, match=reason) as e:
        list(load_trace(path))
    assert str(path) in str(e.value)


def test_missing_truncated_and_not_parquet(tmp_path):
    _expect_error(tmp_path / "none.parquet", "no such file")
    good = save_trace(tmp_path / "t.parquet", _chunks(), META).read_bytes()
    (tmp_path / "trunc.parquet").write_bytes(good[: len(good) * 2 // 3])
    _expect_error(tmp_path / "trunc.parquet", "truncated or not Parquet")
    (tmp_path / "text.parquet").write_text("addr,is_write\n1,0\n")
    _expect_error(tmp_path / "text.parquet", "truncated or not Parquet")


def test_corrupt_data_is_detected(tmp_path):
    good = save_trace(tmp_path / "t.parquet", _chunks(), META).read_bytes()
    bad = bytearray(good)
    bad[len(good) // 3] ^= 0xFF  # inside a data page, far from header and footer
    (tmp_path / "c.parquet").write_bytes(bytes(bad))
    _expect_error(tmp_path / "c.parquet", "corrupt|truncated")


def _write_raw(path, header):
    table = pa.Table.from_arrays([pa.array(np.zeros(3, np.uint64)), pa.array(np.zeros(3, bool)),
                                  pa.array(np.zeros(3, np.int32)), pa.array(np.zeros(3, np.int32))], schema=SCHEMA)
    if header is not None:
        table = table.replace_schema_metadata({META_KEY: json.dumps(header)})
    pq.write_table(table, path)


def test_wrong_version_foreign_parquet_and_inconsistent_header(tmp_path):
    _write_raw(tmp_path / "v.parquet", {"format": "nvmsim-trace", "version": 99, "n_accesses": 3, "n_chunks": 1})
    _expect_error(tmp_path / "v.parquet", "version 99")
    _write_raw(tmp_path / "f.parquet", None)
    _expect_error(tmp_path / "f.parquet", "not an nvmsim trace")
    _write_raw(tmp_path / "n.parquet", {"format": "nvmsim-trace", "version": 1, "n_accesses": 7, "n_chunks": 1})
    _expect_error(tmp_path / "n.parquet", "header says 7 accesses")
    pq.write_table(pa.table({"addr": [1, 2]}).replace_schema_metadata(
        {META_KEY: json.dumps({"format": "nvmsim-trace", "version": 1, "n_accesses": 2, "n_chunks": 1})}),
        tmp_path / "cols.parquet")
    _expect_error(tmp_path / "cols.parquet", "wrong columns")
