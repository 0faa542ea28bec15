"""GPU trace generation: coalescing, SGEMM tile counts, kernel footprints, chunking, scheduling.

Oracles: the Pascal coalescing rule (a warp's 32 consecutive fp32 = 128 B =
one L1/L2 line request, or four 32 B sectors; CUDA C Programming Guide, "Device
Memory Accesses"), the closed-form request count of a 128x128x8 tiled SGEMM
derived by hand below, and the byte ranges of the tensors each kernel must
touch.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from traces import TraceChunk, gpu_trace, network_trace
from workloads.ops import Elementwise, Gemm, Tensor


def _collect(chunks):
    chunks = list(chunks)
    return (np.concatenate([c.addr for c in chunks]), np.concatenate([c.is_write for c in chunks]),
            np.concatenate([c.sm for c in chunks]), np.concatenate([c.kernel for c in chunks]))


def _lines(addr, nbytes, unit=128):
    return set(range(addr // unit, (addr + nbytes - 1) // unit + 1))


def test_contiguous_fp32_warp_is_one_line_or_four_sectors():
    x = Tensor("x", (32,), kind="activation")
    y = Tensor("y", (32,), kind="activation")
    op = Elementwise("relu", "l", "forward", "relu", (x,), (y,))
    tr = gpu_trace([op])
    addr, w, sm, k = _collect(tr)
    assert len(addr) == 2  # one read request, one write request
    assert list(w) == [False, True]
    assert addr[0] == tr.addresses["x"] and addr[1] == tr.addresses["y"]
    tr32 = gpu_trace([op], sector_B=32)
    addr, w, _, _ = _collect(tr32)
    assert list(w) == [False] * 4 + [True] * 4
    assert list(addr[:4]) == [tr32.addresses["x"] + 32 * i for i in range(4)]


def test_vector_add_sector_requests_match_a_real_gtx1080():
    # vectorAdd over 100 floats: nvprof on a GeForce GTX 1080 reported l2_tex_read_transactions = 26 and
    # l2_tex_write_transactions = 13 (romnn/microgpusim test-apps/vectoradd nvprof log): 3 full warps x 4
    # sectors + one 4-lane warp x 1 sector, per array.
    a, b, c = Tensor("a", (100,)), Tensor("b", (100,)), Tensor("c", (100,))
    tr = gpu_trace([Elementwise("vecadd", "l", "forward", "add", (a, b), (c,))], sector_B=32)
    _, w, _, _ = _collect(tr)
    assert (int((~w).sum()), int(w.sum())) == (26, 13)


def test_sgemm_requests_match_tile_closed_form():
    # C[200,160] = A[200,64] @ B[64,160]: tiles 2 (128 + 72 rows) x 2 (128 + 32 columns), 8 k-steps.
    # Rows are 256 B / 640 B pitches on 256 B-aligned buffers, so segments never straddle a line.
    # Per CTA and k-step: one request per A row (8 fp32 = 32 B) + 8 B rows of ceil(cols*4/128) lines.
    # Store: one request per C row per line of its cols.  Accumulate re-reads C.
    M, N, K = 200, 160, 64
    a, b, c = Tensor("A", (M, K)), Tensor("B", (K, N), kind="weight"), Tensor("C", (M, N))
    rows, lines = (128, 72), (4, 1)
    reads = 8 * sum(r + 8 * ln for r in rows for ln in lines)
    writes = sum(r * ln for r in rows for ln in lines)
    assert (reads, writes) == (3840, 1000)
    for acc in (False, True):
        tr = gpu_trace([Gemm("g", "l", "forward", M, N, K, a, b, c, accumulate=acc)])
        addr, w, sm, _ = _collect(tr)
        want_reads = reads + (writes if acc else 0)
        assert (int((~w).sum()), int(w.sum())) == (want_reads, writes)
        row = tr.kernels.iloc[0]
        assert (row.reads, row.writes, row.ctas) == (want_reads, writes, 4)
        assert row["name"] == "sgemm_128x128x8_nn"


def test_sgemm_row_helpers_compile_once_for_every_operand():
    # The A and B tiles and the C store share one compiled _emit_rows / _emit_tile: a constant operand index or
    # read/write flag at a call site would make Numba compile them once per constant (five compilations instead of
    # two, 1.3 s of a fresh install's first sweep-l2).
    # A fresh (uncached) copy of sgemm_fill is typed here, so that its calls resolve the helpers' signatures in
    # this process (the cached sgemm_fill carries their code without asking).
    from numba import njit

    from traces import _kernels

    a, b, c = Tensor("A", (64, 32)), Tensor("B", (32, 48), kind="weight"), Tensor("C", (64, 48))
    _collect(gpu_trace([Gemm("g", "l", "forward", 64, 48, 32, a, b, c)]))
    njit(_kernels.sgemm_fill.py_func).compile(_kernels.sgemm_fill.signatures[0])
    assert len(_kernels._emit_rows.signatures) == 1
    assert len(_kernels._emit_tile.signatures) == 1


@dataclass(frozen=True)
class _TGemm(Gemm):
    """A Gemm whose operands may be stored transposed (the generator reads these fields duck-typed)."""

    trans_a: bool = False
    trans_b: bool = False


def test_sgemm_transposed_operands_closed_form():
    # C[256,160] = A^T-stored[64,256]^T @ B^T-stored[160,64]^T; 2 x 2 tiles (128 rows; 128 + 32 columns), 8 k-steps.
    # Per CTA and k-step: A^T gives 8 stored rows of 128 fp32 = 4 lines each (32); B^T gives one 32 B request
    # per output column (cols). Store as before: rows x lines(cols).
    a, b, c = Tensor("A", (64, 256)), Tensor("B", (160, 64), kind="weight"), Tensor("C", (256, 160))
    reads = 8 * 2 * ((32 + 128) + (32 + 32))
    writes = 256 * (4 + 1)
    tr = gpu_trace([_TGemm("g", "l", "forward", 256, 160, 64, a, b, c, trans_a=True, trans_b=True)])
    addr, w, _, _ = _collect(tr)
    assert (int((~w).sum()), int(w.sum())) == (reads, writes) == (tr.kernels.reads[0], tr.kernels.writes[0])
    want = set()
    for t in (a, b, c):
        want |= _lines(tr.addresses[t.name], t.nbytes)
    assert set((addr // 128).tolist()) == want


def test_sgemm_grouped_and_partial_k_counts_agree_and_cover_operands():
    # Grouped GEMM with K not a multiple of 8 and misaligned row pitches (sector mode):
    # generated requests equal the closed-form counter, and touch exactly the operands' sectors.
    g, M, N, K = 3, 20, 70, 13
    a, b, c = Tensor("A", (g, M, K), kind="weight"), Tensor("B", (g, K, N)), Tensor("C", (g, M, N))
    for ta, tb in ((False, False), (True, False), (False, True)):
        op = _TGemm("g", "l", "forward", M, N, K, a, b, c, groups=g, trans_a=ta, trans_b=tb)
        t2 = gpu_trace([op], sector_B=32, tile=(16, 32, 8))
        assert sum(len(ch) for ch in t2) == t2.n_accesses
    tr = gpu_trace([Gemm("g", "l", "forward", M, N, K, a, b, c, groups=g)], sector_B=32, tile=(16, 32, 8))
    addr, w, _, _ = _collect(tr)
    assert len(addr) == tr.n_accesses
    assert int((~w).sum()) == tr.kernels.reads[0]
    want = set()
    for t in (a, b, c):
        want |= _lines(tr.addresses[t.name], t.nbytes, 32)
    assert set((addr // 32).tolist()) == want
    assert set((addr[w] // 32).tolist()) == _lines(tr.addresses["C"], c.nbytes, 32)


def _conv_like_ops():
    """A small conv layer lowered DarkNet-style by hand: im2col + SGEMM, bias, relu, pool, and its backward."""
    x = Tensor("x", (2, 3, 8, 8), kind="input")
    col = Tensor("col", (27, 2 * 64), kind="workspace")
    W = Tensor("W", (16, 27), kind="weight")
    bias = Tensor("bias", (16,), kind="weight")
    y = Tensor("y", (2, 16, 8, 8))
    p = Tensor("p", (2, 16, 4, 4))
    dp = Tensor("dp", (2, 16, 4, 4), kind="error")
    dy = Tensor("dy", (2, 16, 8, 8), kind="error")
    dW = Tensor("dW", (16, 27), kind="weight_grad")
    dcol = Tensor("dcol", (27, 2 * 64), kind="workspace")
    dx = Tensor("dx", (2, 3, 8, 8), kind="error")
    return [
        Gemm("conv.fwd", "conv", "forward", 16, 128, 27, W, col, y, lowered=x, lowered_operand="b"),
        Elementwise("conv.bias", "conv", "forward", "bias", (y, bias), (y,)),
        Elementwise("conv.relu", "conv", "forward", "relu", (y,), (y,)),
        Elementwise("pool", "pool", "forward", "maxpool", (y,), (p,)),
        Elementwise("pool.bwd", "pool", "backward_data", "maxpool_grad", (dp, y), (dy,)),
        Gemm("conv.bww", "conv", "backward_weight", 16, 27, 128, dy, col, dW, accumulate=True, lowered=x,
             lowered_operand="b"),
        Gemm("conv.bwd", "conv", "backward_data", 27, 128, 16, W, dy, dcol, lowered=dx, lowered_operand="c"),
        Elementwise("conv.sgd", "conv", "update", "sgd", (W, dW), (W,)),
    ]


def test_each_kernel_touches_exactly_its_tensors_lines():
    ops = _conv_like_ops()
    tr = gpu_trace(ops, chunk_size=997, per_image=False)  # the batch folded into one GEMM per op
    kinds = list(tr.kernels.kind)
    assert kinds == ["im2col", "sgemm", "bias", "relu", "maxpool", "maxpool_grad", "im2col", "sgemm", "sgemm",
                     "col2im", "sgd"]
    addr, w, _, kern = _collect(tr)
    by_name = {t.name: t for op in ops for t in ([*op.reads, *op.writes] if hasattr(op, "reads")
                                                 else [op.a, op.b, op.c, op.lowered])}
    expect = {0: ["x", "col"], 1: ["W", "col", "y"], 2: ["y", "bias"], 3: ["y"], 4: ["y", "p"], 5: ["dp", "y", "dy"],
              6: ["x", "col"], 7: ["dy", "col", "dW"], 8: ["W", "dy", "dcol"], 9: ["dcol", "dx"], 10: ["W", "dW"]}
    for kid, names in expect.items():
        want = set()
        for n in names:
            want |= _lines(tr.addresses[n], by_name[n].nbytes)
        got = set((addr[kern == kid] // 128).tolist())
        assert got == want, f"kernel {kid} ({kinds[kid]})"
    # Reads and writes per kernel agree with the closed-form table.
    for kid, row in tr.kernels.iterrows():
        sel = kern == kid
        assert (int((sel & ~w).sum()), int((sel & w).sum())) == (row.reads, row.writes)
    # col2im: one thread per image element, so the image gradient is read and written once per line
    # (DarkNet's +=) while the column matrix (9x larger) is read once per line; im2col writes the column
    # matrix once per line and re-reads the input about once per tap (9 taps).
    col2im = kern == 9
    dx_lines = _lines(tr.addresses["dx"], by_name["dx"].nbytes)
    col_lines = _lines(tr.addresses["dcol"], by_name["dcol"].nbytes)
    assert set((addr[col2im & w] // 128).tolist()) == dx_lines
    assert int((col2im & w).sum()) == len(dx_lines) == int((col2im & np.isin(addr // 128, list(dx_lines)) & ~w).sum())
    assert int((col2im & ~w).sum()) == len(dx_lines) + len(col_lines)
    im2col = kern == 0
    assert int((im2col & w).sum()) == len(_lines(tr.addresses["col"], by_name["col"].nbytes))
    assert int((im2col & ~w).sum()) == int((im2col & w).sum())  # one input request per output warp
    # maxpool: one thread per output; each warp reads its 4x larger window region once.
    pool = kern == 4
    assert int((pool & w).sum()) == len(_lines(tr.addresses["p"], by_name["p"].nbytes))
    assert int((pool & ~w).sum()) == len(_lines(tr.addresses["y"], by_name["y"].nbytes))
    assert set((addr[(kern == 0) & w] // 128).tolist()) == _lines(tr.addresses["col"], by_name["col"].nbytes)


def test_explicit_im2col_op_replaces_the_implicit_kernel():
    ops = _conv_like_ops()[:1]
    g = ops[0]
    explicit = Elementwise("conv.im2col", "conv", "forward", "im2col", (g.lowered,), (g.b,))
    tr = gpu_trace([explicit, g])
    assert list(tr.kernels.kind) == ["im2col", "sgemm"]


def test_chunks_are_bounded_deterministic_and_regenerated():
    ops = _conv_like_ops()
    tr = gpu_trace(ops, chunk_size=256)
    sizes = [len(c) for c in tr]
    assert all(s == 256 for s in sizes[:-1]) and 0 < sizes[-1] <= 256
    assert sum(sizes) == tr.n_accesses == len(tr)
    a1, w1, s1, k1 = _collect(tr)
    a2, w2, s2, k2 = _collect(tr)  # iterating again regenerates the same stream
    assert np.array_equal(a1, a2) and np.array_equal(w1, w2) and np.array_equal(s1, s2) and np.array_equal(k1, k2)
    big = _collect(gpu_trace(ops, chunk_size=1 << 20))
    assert np.array_equal(big[0], a1) and np.array_equal(big[3], k1)  # chunking never changes the stream
    assert all(isinstance(c, TraceChunk) for c in tr)
    assert np.all(np.diff(k1) >= 0)  # kernels run in launch order


def test_ctas_round_robin_over_sms_in_waves():
    # 64 x 256-thread CTAs = 16384 elements; 4 SMs x 8 CTAs per SM -> waves of 32 CTAs.
    x = Tensor("x", (64 * 256,))
    tr = gpu_trace([Elementwise("r", "l", "forward", "relu", (x,), (x,))], n_sms=4)
    addr, w, sm, _ = _collect(tr)
    reads = addr[~w]
    cta = (reads - tr.addresses["x"]) // (256 * 4)  # each CTA covers 1 KB of x
    assert np.array_equal(sm[~w], (cta % 32) % 4)
    # Lock-step within a wave: the first 32 requests are warp 0 of CTAs 0..31, in slot order.
    assert list(cta[:32]) == list(range(32))
    assert set(cta[: 32 * 8]) == set(range(32))  # the whole first wave before the second starts


def test_generation_memory_is_bounded_by_the_chunk():
    # About 1.5 M requests (~25 MB if materialised); chunks of 16 K keep the peak at a few MB.
    a = Tensor("A", (256, 1152), kind="weight")
    b = Tensor("B", (1152, 4096))
    c = Tensor("C", (256, 4096))
    tr = gpu_trace([Gemm("g", "l", "forward", 256, 4096, 1152, a, b, c)], chunk_size=1 << 14)
    n = tr.n_accesses
    assert n > 1_000_000
    list(gpu_trace([Gemm("g", "l", "forward", 8, 8, 8, a, b, c)], chunk_size=64))  # compile outside the window
    tracemalloc.start()
    total = 0
    for ch in tr:
        total += len(ch)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert total == n
    assert peak < 4 * 2**20, peak


def test_network_trace_duck_types_the_chip_and_the_network():
    ops = _conv_like_ops()
    net = SimpleNamespace(ops=lambda phase, batch: ops if phase == "training" else ops[:4])
    chip = SimpleNamespace(n_sms=3, sector_B=32, l2=SimpleNamespace(line_B=128))
    tr = network_trace(net, phase="training", batch=2, chip=chip)
    assert (tr.n_sms, tr.unit_B) == (3, 32)
    _, _, sm, _ = _collect(tr)
    assert sm.min() == 0 and sm.max() == 2
    inference = network_trace(net, phase="inference", batch=2, chip=chip, sector_B=None)
    assert inference.kernels.shape[0] == 7  # 2 x (im2col, sgemm), bias, relu, pool


def test_zoo_network_trace_counts_match_generation():
    tr = network_trace("lenet5", phase="training", batch=2, dataset="mnist", chunk_size=1 << 15)
    addr, w, sm, kern = _collect(tr)
    assert len(addr) == tr.n_accesses
    counts = np.bincount(kern, minlength=len(tr.kernels))
    assert np.array_equal(counts, tr.kernels.requests.to_numpy())
    assert {"sgemm", "im2col", "col2im"} <= set(tr.kernels.kind)
    assert set(tr.kernels.pass_) == {"forward", "backward_data", "backward_weight", "update"}
    assert np.all(addr % 128 == 0)


@pytest.mark.parametrize("kw,msg", [({"n_sms": 0}, "n_sms"), ({"line_B": 100}, "line_B"),
                                    ({"sector_B": 48}, "sector_B"), ({"chunk_size": 0}, "chunk_size"),
                                    ({"tile": (128, 0, 8)}, "tile")])
def test_bad_parameters_name_the_field(kw, msg):
    with pytest.raises(ValueError, match=msg):
        gpu_trace(_conv_like_ops(), **kw)


def test_per_image_convolution_follows_darknets_loop():
    # DarkNet (forward/backward_convolutional_layer_gpu): per image, im2col into one reused workspace, then
    # gemm(0,0) forward, gemm(0,1) dW += dout_i col^T, gemm(1,0) dcol = W^T dout_i + col2im into dx_i.
    ops = _conv_like_ops()
    tr = gpu_trace(ops)
    k = tr.kernels
    assert list(k.kind) == ["im2col", "sgemm", "im2col", "sgemm", "bias", "relu", "maxpool", "maxpool_grad",
                            "im2col", "sgemm", "im2col", "sgemm", "sgemm", "col2im", "sgemm", "col2im", "sgd"]
    assert list(k.name[k.kind == "sgemm"]) == ["sgemm_128x128x8_nn"] * 2 + ["sgemm_128x128x8_nt"] * 2 + [
        "sgemm_128x128x8_tn"] * 2
    addr, w, _, kern = _collect(tr)
    nb = {op.name: op for op in ops}
    col, x, y, dx = nb["conv.fwd"].b, nb["conv.fwd"].lowered, nb["conv.fwd"].c, nb["conv.bwd"].lowered
    ws = _lines(tr.addresses["col"], col.nbytes // 2)  # one image's share, reused
    half = lambda t, i: _lines(tr.addresses[t.name] + i * t.nbytes // 2, t.nbytes // 2)  # noqa: E731
    W = _lines(tr.addresses["W"], nb["conv.fwd"].a.nbytes)
    for kid, want in {0: half(x, 0) | ws, 1: W | ws | half(y, 0), 2: half(x, 1) | ws, 3: W | ws | half(y, 1),
                      12: W | half(nb["conv.bwd"].b, 0) | _lines(tr.addresses["dcol"], col.nbytes // 2),
                      15: _lines(tr.addresses["dcol"], col.nbytes // 2) | half(dx, 1)}.items():
        assert set((addr[kern == kid] // 128).tolist()) == want, kid
    # Stores: forward and backward-data outputs are split by image (same total here, rows are whole lines);
    # DarkNet's backward-weight accumulates dW once per image, so dW is stored (and re-read) twice.
    folded = gpu_trace(ops, per_image=False).kernels
    per_pass = k[k.kind == "sgemm"].groupby("pass_").writes.sum()
    folded_pass = folded[folded.kind == "sgemm"].groupby("pass_").writes.sum()
    assert per_pass["forward"] == folded_pass["forward"] and per_pass["backward_data"] == folded_pass["backward_data"]
    assert per_pass["backward_weight"] == 2 * folded_pass["backward_weight"]
    counts = np.bincount(kern, minlength=len(k))
    assert np.array_equal(counts, k.requests.to_numpy())
