"""Scratchpad placement, eviction, DMA timeline and energy arithmetic of the systolic training accelerator.

Oracles: the placement rules of the scratchpad seed paper (Roy, Wang, Raghunathan, §IV assumptions 1-4),
SCALE-Sim's CALC-mode DRAM behaviour (an operand that fits is read from DRAM once, one that does not is
re-read once per fold that touches it), and hand arithmetic on hand-made counts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.errors import ConfigError
from models.tech_row import TechRow
from simulator.systolic.accelerator import (
    AcceleratorConfig,
    evaluate,
    load_accelerator,
    per_layer,
    simulate_counts,
)
from simulator.systolic.array import gemm_cycles, operand_accesses
from simulator.systolic.scratchpad import BUFFERS, PlacementConfig, StepCounts, place_step, run_timeline
from tests.support import mlp_step
from workloads.ops import Elementwise, Gemm, Tensor


def _buffer(name, cap_MB, read_ns, write_ns, read_nJ, write_nJ, leak_mW, area_mm2):
    """A buffer's technology row from positional values."""
    return TechRow(technology=name, capacity_MB=cap_MB, read_latency_ns=read_ns, write_latency_ns=write_ns,
                   read_energy_nJ=read_nJ, write_energy_nJ=write_nJ, leakage_mW=leak_mW, area_mm2=area_mm2)



def cfg_bytes(a, w, e, **kw):
    return PlacementConfig(capacity_B=(a, w, e), **kw)


def test_macs_and_cycles_conserved():
    ops = mlp_step()
    c = place_step(ops, cfg_bytes(10**9, 10**9, 10**9), rows=4, cols=4)
    assert c.macs.sum() == sum(op.macs for op in ops)
    gemms = [op for op in ops if isinstance(op, Gemm)]
    assert sum(c.compute_cycles[i] for i, op in enumerate(ops) if isinstance(op, Gemm)) == sum(
        gemm_cycles(g.M, g.N, g.K, 4, 4) for g in gemms)


def _array_bytes(ops, R, C):
    rd = wr = 0
    for op in ops:
        if isinstance(op, Gemm):
            acc = operand_accesses(op.M, op.N, op.K, R, C)
            rd += (acc.a_reads + acc.b_reads + (op.M * op.N if op.accumulate else 0)) * 4
            wr += acc.c_writes * 4
        else:
            rd += sum(t.nbytes for t in op.reads)
            wr += sum(t.nbytes for t in op.writes)
    return rd, wr


def test_everything_fits_reads_each_structure_from_dram_once():
    ops = mlp_step()
    R = C = 4
    c = place_step(ops, cfg_bytes(10**9, 10**9, 10**9), rows=R, cols=C)
    rd, wr = _array_bytes(ops, R, C)
    weights = sum(t.nbytes for t in {op.b.name: op.b for op in ops[:2]}.values())
    x = ops[0].a.nbytes
    # DRAM: the input and the weights are filled once; only the updated weights go back (end-of-step flush).
    assert c.dram_read_B.sum() == x + weights
    assert c.dram_write_B.sum() == weights
    # on chip: every array access, plus the fills (writes) and the flush (reads)
    assert c.onchip_read_B.sum() == rd + weights
    assert c.onchip_write_B.sum() == wr + x + weights
    assert c.streamed_B.sum() == 0


def test_nothing_fits_streams_every_access():
    ops = mlp_step()
    R = C = 4
    c = place_step(ops, cfg_bytes(0, 0, 0), rows=R, cols=C)
    rd, wr = _array_bytes(ops, R, C)
    assert c.dram_read_B.sum() == rd
    assert c.dram_write_B.sum() == wr
    assert c.onchip_read_B.sum() == 0 and c.onchip_write_B.sum() == 0


def test_fit_read_once_vs_streamed_per_fold():
    # One GEMM whose A operand is re-read ceil(N/C) = 3 times by the OS array (SCALE-Sim's ifmap count).
    A = Tensor("A", (64, 32), kind="input")
    B = Tensor("B", (32, 12), kind="weight")
    Cc = Tensor("C", (64, 12), kind="activation")
    ops = [Gemm("g", "l", "forward", 64, 12, 32, A, B, Cc), Gemm("g2", "l2", "forward", 64, 12, 32, A, B, Cc)]
    R, C = 64, 4
    passes = math.ceil(12 / C)
    big = place_step(ops, cfg_bytes(A.nbytes + Cc.nbytes, B.nbytes, 0), rows=R, cols=C, record_events=True)
    assert big.dram_read_B[0] == A.nbytes + B.nbytes       # filled once
    assert big.dram_read_B[1] == 0                         # and still there for the second op
    assert big.onchip_read_B[0, 0] == 64 * 32 * passes * 4  # the array's 3 passes hit on chip
    small = place_step(ops, cfg_bytes(A.nbytes - 4, B.nbytes, 0), rows=R, cols=C, record_events=True)
    assert small.dram_read_B[0] == passes * A.nbytes + B.nbytes  # streamed: every pass from DRAM
    assert small.dram_read_B[1] == passes * A.nbytes
    assert (0, "stream", "A", "activation") in small.events
    assert (0, "fill", "A", "activation") in big.events


def test_accumulator_without_contents_is_not_read_from_dram():
    E = Tensor("E", (16, 8), kind="error")
    X = Tensor("X", (16, 4), kind="input")
    dW = Tensor("dW", (8, 4), kind="weight_grad")
    e0 = Elementwise("mk", "L", "backward_data", "relu_grad", (X,), (E,))
    g = Gemm("dw", "L", "backward_weight", 8, 4, 16, E, X, dW, accumulate=True)
    fits = place_step([e0, g], cfg_bytes(10**6, 10**6, 10**6), rows=4, cols=4, record_events=True)
    assert (1, "alloc", "dW", "error") in [(i, e, n, b) for i, e, n, b in fits.events]
    assert fits.dram_read_B.sum() == X.nbytes  # only the input; dW starts at zero on chip
    none = place_step([e0, g], cfg_bytes(0, 0, 0), rows=4, cols=4)
    # streamed: dW's accumulate read is of zeros (no DRAM read); E was written by op 0, so it is read back
    acc = operand_accesses(8, 4, 16, 4, 4)
    assert none.dram_read_B[1] == (acc.a_reads + acc.b_reads) * 4


def _fwd(name, layer, src, out):
    w = Tensor(f"{layer}.W", (1, 1), kind="weight")
    return Gemm(name, layer, "forward", src.shape[0], 1, 1, src, w, out)


def test_forward_evicts_first_stored_backward_evicts_deepest_layer():
    t = [Tensor(f"t{i}", (256,), kind="activation") for i in range(5)]  # 1 KB each
    x = Tensor("x", (256,), kind="input")
    ops = [Elementwise("l0", "L0", "forward", "relu", (x,), (t[0],)),
           Elementwise("l1", "L1", "forward", "relu", (t[0],), (t[1],)),
           Elementwise("l2", "L2", "forward", "relu", (t[1],), (t[2],)),
           # backward: touches t0 (layer L0) and writes a new activation-kind tensor: someone must go
           Elementwise("b2", "L2", "backward_data", "relu_grad", (t[2],), (t[3],)),
           Elementwise("b1", "L1", "backward_data", "relu_grad", (t[1], t[0]), (t[4],))]
    c = place_step(ops, cfg_bytes(3 * 1024, 1024, 1024), rows=4, cols=4, record_events=True)
    ev = [(i, e, n) for i, e, n, _ in c.events if e in ("evict", "fill", "alloc")]
    # forward: buffer holds 3; storing t2 evicts x, the first stored (FIFO)
    assert (2, "evict", "x") in ev
    # backward (op 3): residents t0 (L0), t1 (L1), t2 (L2, pinned); the deepest unpinned layer goes: t1
    assert (3, "evict", "t1") in ev
    # op 4 needs t1 back (filled from DRAM, it was written back because it was dirty and live)
    assert (4, "fill", "t1") in ev
    assert any(e == (3, "writeback", "t1", "activation") for e in c.events)


def test_dead_structures_are_dropped_without_writeback():
    a = Tensor("a", (256,), kind="activation")
    b = Tensor("b", (256,), kind="activation")
    d = Tensor("d", (256,), kind="activation")
    x = Tensor("x", (256,), kind="input")
    ops = [Elementwise("p", "L0", "forward", "relu", (x,), (a,)),
           Elementwise("q", "L1", "forward", "relu", (a,), (b,)),   # a is dead after this op
           Elementwise("r", "L2", "forward", "relu", (b,), (d,))]   # evicts x (clean) then a (dirty, dead)
    c = place_step(ops, cfg_bytes(2 * 1024, 0, 0), rows=4, cols=4, record_events=True)
    assert not any(e[1] == "writeback" for e in c.events)
    assert c.dram_write_B.sum() == 0


@pytest.mark.parametrize("policy", ["paper", "dead_first", "belady"])
def test_policies_conserve_array_traffic(policy):
    ops = mlp_step(batch=16, dims=(32, 64, 64, 10))
    R = C = 8
    c = place_step(ops, cfg_bytes(6000, 9000, 4000, eviction=policy), rows=R, cols=C)
    # every array access is served on chip or streamed from DRAM; fills/write-backs only add to both
    rd, wr = _array_bytes(ops, R, C)
    assert c.onchip_read_B.sum() + c.streamed_B.sum() >= rd
    assert c.dram_read_B.sum() + c.onchip_read_B.sum() >= rd
    assert c.macs.sum() == sum(op.macs for op in ops)


def test_bad_policy_and_kind_are_named():
    with pytest.raises(ConfigError, match="scratchpad.eviction"):
        cfg_bytes(1, 1, 1, eviction="random")
    t = Tensor("t", (4,), kind="mystery")
    with pytest.raises(ConfigError, match="scratchpad.kinds.mystery"):
        place_step([Elementwise("e", "L", "forward", "relu", (t,), (t,))], cfg_bytes(1, 1, 1))


# ------------------------------------------------------------------ timeline and energy


def test_timeline_sequential_is_sum_and_overlap_bounded():
    comp = np.array([100, 50, 300, 10])
    din = np.array([40, 200, 0, 30])
    dout = np.array([10, 0, 60, 5])
    total, finish = run_timeline(comp, din, dout, overlap=False)
    assert total == comp.sum() + din.sum() + dout.sum()
    assert list(np.diff(np.concatenate([[0], finish]))) == list(comp + din + dout)
    ov, fin = run_timeline(comp, din, dout, overlap=True)
    assert max(comp.sum(), (din + dout).sum()) <= ov <= total
    # Hand schedule, one DMA channel and one op of look-ahead: in0 0-40, op0 40-140, in1 40-240, out0 waits for
    # the channel 240-250, op1 240-290 (in2 is empty), op2 290-590, in3 290-320, out2 590-650, op3 590-600,
    # out3 waits 650-655.
    assert ov == 655
    assert list(fin) == [250, 290, 650, 655]


def _counts(n=2):
    on_r = np.array([[640, 0, 64], [0, 128, 0]][:n], dtype=np.int64)
    on_w = np.array([[64, 64, 0], [0, 0, 192]][:n], dtype=np.int64)
    return StepCounts(
        names=["a", "b"][:n], layers=["L0", "L1"][:n], passes=["forward"] * n, kinds=["gemm"] * n,
        macs=np.array([1000, 3000][:n]), flops=np.array([0, 500][:n]), compute_cycles=np.array([100, 200][:n]),
        onchip_read_B=on_r, onchip_write_B=on_w,
        dram_read_B=np.array([6400, 0][:n]), dram_write_B=np.array([0, 1280][:n]),
        dram_in_B=np.array([6400, 0][:n]), dram_out_B=np.array([0, 1280][:n]),
        fills=np.zeros(n, int), writebacks=np.zeros(n, int), streamed_B=np.zeros(n, int))


def test_energy_arithmetic_on_hand_counts():
    cfg = AcceleratorConfig(access_width_B=64, dram_bandwidth_GBps=6.4, clock_MHz=1000.0, mac_energy_pJ=2.0,
                            flop_energy_pJ=0.5, dram_type="ddr3")
    techs = (_buffer("x", 1, 1, 1, 0.010, 0.020, 100.0, 1),
             _buffer("x", 1, 1, 1, 0.030, 0.040, 200.0, 1),
             _buffer("x", 1, 1, 1, 0.050, 0.060, 300.0, 1))
    r = evaluate(_counts(), cfg, techs)
    # reads: act 640/64=10, err 64/64=1, weight 128/64=2 accesses; writes: act 1, weight 1, err 3
    assert r.energy_read_J == pytest.approx((10 * 0.010 + 2 * 0.030 + 1 * 0.050) * 1e-9)
    assert r.energy_write_J == pytest.approx((1 * 0.020 + 1 * 0.040 + 3 * 0.060) * 1e-9)
    # DDR3 70 pJ/bit (Malladi et al. ISCA'12): 7680 B
    assert r.energy_dram_J == pytest.approx(7680 * 8 * 70e-12)
    assert r.energy_compute_J == pytest.approx((4000 * 2.0 + 500 * 0.5) * 1e-12)
    # time: 6.4 B/cycle -> 6400 B = 1000 cycles in, 1280 B = 200 out; sequential: 1000+100+200+200 = 1500
    assert r.cycles == 1500 and r.time_s == pytest.approx(1.5e-6)
    assert r.energy_leakage_J == pytest.approx(600e-3 * 1.5e-6)
    assert r.energy_total_J == pytest.approx(r.energy_read_J + r.energy_write_J + r.energy_dram_J
                                             + r.energy_compute_J + r.energy_leakage_J)
    assert r.per_op["energy_total_J"].sum() == pytest.approx(r.energy_total_J)
    assert r.dram_accesses == 100 + 20


def test_buffer_stalls_slow_the_array_with_slow_writes():
    cfg = AcceleratorConfig(buffer_stalls=True, banks=1)
    slow = (_buffer("s", 1, 1.0, 100.0, 0, 0, 0, 1),) * 3
    r = evaluate(_counts(1), cfg, slow)
    # op a: act buffer 10 reads x 1 ns + 1 write x 100 ns = 110 ns > 100 compute cycles
    assert r.stall_cycles == 110 - 100


def test_full_step_energy_and_layers_with_preset():
    cfg = load_accelerator("systolic-256")
    assert cfg.buffer_MB == pytest.approx((8.0, 8.0, 8.0))
    ops = mlp_step(batch=64, dims=(64, 128, 10))
    c = simulate_counts(ops, cfg, buffer_MB=(0.01, 0.01, 0.01))
    t = _buffer("t", 0.01, 1, 2, 0.01, 0.02, 5.0, 0.1)
    r = evaluate(c, cfg, (t, t, t))
    lay = per_layer(r.per_op)
    assert list(lay["layer"]) == ["fc0", "fc1", "loss"]
    assert lay["energy_total_J"].sum() == pytest.approx(r.energy_total_J)
    assert lay["macs"].sum() == sum(op.macs for op in ops)


def test_config_validation_names_fields(tmp_path):
    with pytest.raises(ConfigError, match="array.rows"):
        load_accelerator("systolic-256", {"array": {"rows": 0}})
    with pytest.raises(ConfigError, match="scratchpad.bogus"):
        load_accelerator("systolic-256", {"scratchpad": {"bogus": 1}})
    with pytest.raises(ConfigError, match="array.dataflow"):
        load_accelerator("systolic-256", {"array": {"dataflow": "rs"}})
    with pytest.raises(ConfigError, match="preset"):
        load_accelerator("tpu-v9")
    f = tmp_path / "acc.toml"
    f.write_text('base = "systolic-256"\nname = "mine"\n[scratchpad]\ntotal_MB = 3.0\nsplit = [2, 1, 0]\n'
                 '[scratchpad.technologies]\nweight = "stt28"\n')
    cfg = load_accelerator(f)
    assert cfg.name == "mine" and cfg.rows == 256
    assert cfg.buffer_MB == pytest.approx((2.0, 1.0, 0.0))
    assert cfg.technologies == ("sram28", "stt28", "sram28")
    assert len(BUFFERS) == 3


@pytest.mark.parametrize("dataflow", ["ws", "is"])
def test_other_dataflows_count_partial_sums(dataflow):
    ops = mlp_step(batch=32, dims=(40, 24, 10))
    R = C = 8
    c = place_step(ops, cfg_bytes(10**9, 10**9, 10**9), rows=R, cols=C, dataflow=dataflow)
    gem = [(i, op) for i, op in enumerate(ops) if isinstance(op, Gemm)]
    for i, op in gem:
        assert c.compute_cycles[i] == gemm_cycles(op.M, op.N, op.K, R, C, dataflow)
    os_c = place_step(ops, cfg_bytes(10**9, 10**9, 10**9), rows=R, cols=C, dataflow="os")
    # WS/IS write partial sums once per K fold (SCALE-Sim's ofmap count): more on-chip writes than OS
    assert c.onchip_write_B.sum() > os_c.onchip_write_B.sum()
    assert c.macs.sum() == os_c.macs.sum()


def test_overlap_options_never_slow_a_step():
    ops = mlp_step(batch=64, dims=(300, 400, 10))
    t = _buffer("t", 0.01, 1, 2, 0.01, 0.02, 5.0, 0.1)
    small = {"rows": 16, "cols": 16}
    res = {}
    for name, over in {"seq": {"array": small}, "dram": {"array": small, "dram": {"overlap": True}},
                       "folds": {"array": {**small, "overlap_folds": True}}}.items():
        cfg = load_accelerator("systolic-256", over)
        assert cfg.rows == 16
        r = evaluate(simulate_counts(ops, cfg, buffer_MB=(0.05, 0.05, 0.05)), cfg, (t, t, t))
        res[name] = r
    assert res["dram"].cycles < res["seq"].cycles
    assert res["folds"].compute_cycles < res["seq"].compute_cycles
    assert res["dram"].dram_bytes == res["seq"].dram_bytes == res["folds"].dram_bytes
