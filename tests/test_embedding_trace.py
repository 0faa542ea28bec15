"""Embedding lookups read the B*T looked-up rows, not the whole table; their gradient scatters into those rows.

Oracle: the definition of a gather (``out[t, :] = W[ids[t], :]``, PyTorch ``nn.Embedding``): the table lines a
lookup must touch are exactly the lines of the rows whose ids occur, computed here from the ids and the table's
address with plain integer arithmetic; the closed-form counter must equal the generated stream.
"""

import numpy as np
import pytest

from models.errors import ConfigError
from traces import gpu_trace, network_trace
from workloads.builder import Builder

LINE = 128


def _lines(base, start_B, end_B, unit=LINE):
    return set(range((base + start_B) // unit, (base + end_B - 1) // unit + 1))


def _row_lines(base, rows, row_B, unit=LINE):
    out = set()
    for r in np.unique(rows).tolist():
        out |= _lines(base, r * row_B, (r + 1) * row_B, unit)
    return out


def _kernel_stream(tr, op_name):
    k = tr.kernels
    kid = int(k.index[k["op"] == op_name][0])
    chunks = list(tr.iter_kernel(kid))
    addr = np.concatenate([c.addr for c in chunks])
    w = np.concatenate([c.is_write for c in chunks])
    return k.loc[kid], addr, w


def test_bert_lookup_reads_only_the_looked_up_rows():
    tr = network_trace("bert_base", phase="inference", batch=1)
    row, addr, w = _kernel_stream(tr, "embeddings.word.embedding")
    table = "embeddings.word.W"
    base, row_B, vocab = tr.addresses[table], 768 * 4, 30522
    ids = tr.token_ids.drawn[("input", vocab)]
    assert len(ids) == 1 * 128 and ids.min() >= 0 and ids.max() < vocab
    table_lines = set((addr[~w] // LINE).tolist()) & _lines(base, 0, vocab * row_B)
    assert table_lines == _row_lines(base, ids, row_B)
    assert len(table_lines) <= 128 * 24 < vocab * 24 // 100  # 128 rows of 24 lines; the table has 732,528
    # Every other request is the output (written once, 24 lines per row) or the ids (one per warp).
    assert set((addr[w] // LINE).tolist()) == _lines(tr.addresses["embeddings.word.out"], 0, 128 * row_B)
    assert (row.reads, row.writes) == (128 * 24 + 128 * 24, 128 * 24) == (int((~w).sum()), int(w.sum()))


def test_gpt2_backward_scatters_into_the_same_rows_only():
    # GPT-2's table is tied to the LM head, so its gradient already holds the head's dW: the scatter is a
    # read-modify-write of the looked-up rows of dW, and nothing else of dW.
    tr = network_trace("gpt2", phase="training", batch=1, seed=5)
    ids = tr.token_ids.drawn[("input", 50257)]
    row_B = 768 * 4
    dw = tr.addresses["wte.dW"]
    _, addr, w = _kernel_stream(tr, "wte.embedding_grad")
    dw_lines = _lines(dw, 0, 50257 * row_B)
    want = _row_lines(dw, ids, row_B)
    assert set((addr[w] // LINE).tolist()) == want
    assert set((addr[~w] // LINE).tolist()) & dw_lines == want
    _, faddr, fw = _kernel_stream(tr, "wte.embedding")
    assert set((faddr[~fw] // LINE).tolist()) & _lines(tr.addresses["wte.W"], 0, 50257 * row_B) == \
        _row_lines(tr.addresses["wte.W"], ids, row_B)


def _tiny(vocab=50, dim=20, seq=9):
    b = Builder((seq,), input_dtype="int32")
    b.embedding("input", vocab, dim, name="emb")
    return b.build("tiny", "text")


@pytest.mark.parametrize("sector_B", [None, 32])
def test_unaligned_rows_counts_equal_stream_and_cover_exactly_the_rows(sector_B):
    # D = 20 fp32 = 80 B rows: rows straddle lines and a warp spans two rows; batch 3.
    ops = _tiny().ops(phase="training", batch=3)
    tr = gpu_trace(ops, sector_B=sector_B, chunk_size=37, seed=11)
    unit = sector_B or LINE
    ids = tr.token_ids.drawn[("input", 50)]
    assert len(ids) == 27
    for op_name, table, is_w in (("emb.embedding", "emb.W", False), ("emb.embedding_grad", "emb.dW", True)):
        row, addr, w = _kernel_stream(tr, op_name)
        assert (row.reads, row.writes) == (int((~w).sum()), int(w.sum()))
        sel = w if is_w else ~w
        got = set((addr[sel] // unit).tolist()) & _lines(tr.addresses[table], 0, 50 * 80, unit)
        assert got == _row_lines(tr.addresses[table], ids, 80, unit)
    assert sum(len(c) for c in tr) == tr.n_accesses


def test_ids_are_seeded():
    ops = _tiny().ops(phase="inference", batch=2)
    a, b, c = (gpu_trace(ops, seed=s) for s in (1, 1, 2))
    ida, idb, idc = (t.token_ids.drawn[("input", 50)] for t in (a, b, c))
    assert np.array_equal(ida, idb) and not np.array_equal(ida, idc)
    assert np.array_equal(np.concatenate([ch.addr for ch in a]), np.concatenate([ch.addr for ch in b]))
    with pytest.raises(ConfigError, match="seed"):
        gpu_trace(ops, seed=-1)
