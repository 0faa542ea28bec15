"""DeepNVM++ Fig. 9 trends (1-32 MB, 16 nm, EDAP-optimal caches) from nvmsim's circuit model.

Source: Inci et al., DeepNVM++ (arXiv:2012.04559), Sec. IV-C "Scalability", the text describing Fig. 9:
(a) "the area difference between SRAM and the MRAM variants grow[s] significantly as the cache capacity
increases ... STT-MRAM and SOT-MRAM caches become more area-efficient when compared to SRAM caches as cache
capacity increases"; (b) "for capacities smaller than 3MB SRAM offers lower read latency, whereas both MRAM
variants have lower read latency than SRAM beyond 4MB ... STT-MRAM has always the highest [write latency]";
(c) "7MB is a break even point where SOT-MRAM becomes more efficient than SRAM [in read energy] ... SRAM
consumes the most energy for a write operation beyond 3MB".  Capacities are checked on a grid that includes
the non-power-of-two 6, 12 and 24 MB.
"""

import numpy as np
import pytest

from models import tech_table

CAPS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32]


@pytest.fixture(scope="module")
def fig9():
    df = tech_table(cells=["sram", "stt", "sot"], capacities_MB=CAPS, node_nm=16)
    return {c: df.pivot(index="capacity_MB", columns="technology", values=c) for c in
            ("read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ", "area_mm2")}


def test_sot_read_energy_breaks_even_with_sram_near_7MB(fig9):
    # Fig. 9(c): break-even at 7 MB.  nvmsim: SOT above SRAM up to 4 MB, below from 8 MB on (6 MB unchecked:
    # the crossing lies between 4 and 8 MB)
    re_ = fig9["read_energy_nJ"]
    assert (re_.sot.loc[[1, 2, 3, 4]] > re_.sram.loc[[1, 2, 3, 4]]).all()
    big = [c for c in CAPS if c >= 8]
    assert (re_.sot.loc[big] < re_.sram.loc[big]).all()
    # and STT has the highest read energy at every capacity
    assert ((re_.stt > re_.sram) & (re_.stt > re_.sot)).all()


def test_sram_highest_write_energy_above_3MB(fig9):
    # Fig. 9(c): SRAM consumes the most energy per write beyond 3 MB; SOT is the most write-efficient
    we = fig9["write_energy_nJ"]
    above = [c for c in CAPS if c > 3]
    assert ((we.sram.loc[above] > we.stt.loc[above]) & (we.sram.loc[above] > we.sot.loc[above])).all()
    assert ((we.sot < we.sram) & (we.sot <= we.stt * 1.05)).all()


def test_mram_read_latency_below_sram_from_4MB(fig9):
    # Fig. 9(b): SRAM reads faster below 3 MB, both MRAMs faster beyond 4 MB (checked from 4 MB on)
    rl = fig9["read_latency_ns"]
    for cap in (1, 2):
        assert rl.loc[cap, "sram"] < min(rl.loc[cap, "stt"], rl.loc[cap, "sot"])
    for cap in (c for c in CAPS if c >= 4):
        assert max(rl.loc[cap, "stt"], rl.loc[cap, "sot"]) < rl.loc[cap, "sram"], cap


def test_stt_highest_write_latency_everywhere(fig9):
    # Fig. 9(b): STT always has the highest write latency; SOT writes faster than SRAM from 4 MB on and the
    # gap grows ("increasingly smaller than that of SRAM")
    wl = fig9["write_latency_ns"]
    assert ((wl.stt > wl.sram) & (wl.stt > wl.sot)).all()
    assert (wl.sot.loc[[c for c in CAPS if c >= 4]] < wl.sram.loc[[c for c in CAPS if c >= 4]]).all()
    assert wl.sram.loc[32] - wl.sot.loc[32] > wl.sram.loc[4] - wl.sot.loc[4]


def test_sram_to_mram_area_ratio_grows_with_capacity(fig9):
    # Fig. 9(a): MRAM caches become more area-efficient relative to SRAM as capacity grows.  The EDAP choice
    # jumps between organisations, so the ratio is compared between the ends of the range (mean of 3-4 MB vs
    # mean of 24-32 MB: at least +5 %) and its log-log slope over 3-32 MB must be positive.  (STT at 1-2 MB is
    # excluded: there Algorithm 1 picks STT's dense, slow leakage-optimal organisation, see test_tech_table.)
    a = fig9["area_mm2"]
    caps = [c for c in CAPS if c >= 3]
    for mram in ("stt", "sot"):
        ratio = a.sram / a[mram]
        assert ratio.loc[[24, 32]].mean() > 1.05 * ratio.loc[[3, 4]].mean(), mram
        assert np.polyfit(np.log(caps), np.log(ratio.loc[caps].to_numpy()), 1)[0] > 0, mram
    # the absolute area difference grows monotonically (the paper's words)
    for mram in ("stt", "sot"):
        assert (a.sram - a[mram]).is_monotonic_increasing
