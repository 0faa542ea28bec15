"""DeepNVM++ Fig. 10 and Sec. IV-C statements (1-32 MB, 16 nm) that the circuit model's fit takes as constraints.

Source: Inci et al., DeepNVM++ (arXiv:2012.04559), Sec. IV-C: "the write latency of SRAM almost matches that of
STT-MRAM at 32MB"; "SRAM provide up to 3.2x and 2x latency reduction for small cache capacities when compared to
STT-MRAM and SOT-MRAM ... STT-MRAM and SOT-MRAM achieve up to 2.1x and 2.6x latency reduction as cache capacity
increases"; "up to 31.2x and 36.4x energy reduction"; "65x and 95x EDP reduction".  Fig. 10's latency and energy are
the L2's over a workload's accesses (reads x read latency + writes x write latency in whole L2 cycles; dynamic +
leakage x that latency), normalised to SRAM per workload and averaged; the fit (``models.circuit.fit``) computes them
from each workload's share of writes, which the first test holds to the study's own computation.
"""

import numpy as np
import pandas as pd
import pytest

from models import tech_table
from models.circuit import fit
from models.energy import normalise
from simulator.studies.deepnvm import scalability_summary, with_energy


@pytest.fixture(scope="module")
def table():
    return tech_table(cells=["sram", "stt", "sot"], capacities_MB=list(fit.FIG10_MB), node_nm=16)


def test_fit_computes_fig10_as_the_study_does(table):
    # the fit's replica of Fig. 10 equals the scalability study's own energy and normalisation on counts with the
    # same write shares (one million L2 accesses per workload; DRAM traffic does not enter the L2 metrics)
    rows = []
    for key, w in fit.FIG10_WRITE_SHARE.items():
        network, phase = key.split("/")
        for cap in fit.FIG10_MB:
            rows.append({"network": network, "dataset": "", "phase": phase, "batch": 1, "chip": "gtx1080ti-deepnvm",
                         "l2_MB": float(cap), "l2_reads": round(1e6 * (1 - w)), "l2_writes": round(1e6 * w),
                         "dram_reads": 0, "dram_writes": 0})
    df = with_energy(pd.DataFrame(rows), table)
    df = normalise(df, ["l2_energy_nJ", "delay_l2_ns", "edp_l2_Js"],
                   by=["network", "dataset", "phase", "batch", "chip", "l2_MB"], baseline={"technology": "sram"})
    summary = scalability_summary(df.assign(edp_Js_norm=np.nan))
    ours = fit.fig10(table)
    for _, r in summary[summary.technology != "sram"].iterrows():
        if r.metric in ("energy", "latency", "edp"):
            assert ours[r.phase][r.technology][r.metric][r.l2_MB] == pytest.approx(r["mean"], rel=1e-3), tuple(r)


def test_trends_within_30_percent(table):
    # every stated trend within +-30 % of the paper (model / paper 0.7-1.3, the band Table II is held to).  After
    # the 2026-12 refit: SRAM / STT write latency at 32 MB 0.72 ("almost matches"), SRAM faster than STT / SOT at
    # small capacity up to 3.38x / 2.0x (paper 3.2x / 2x), latency reduction at large capacity 1.66x / 2.29x (2.1x /
    # 2.6x), energy reduction 28.6x / 32.8x (31.2x / 36.4x)
    tr = fit.trends(table)
    for key, (paper, what) in fit.TRENDS.items():
        assert tr[key] == pytest.approx(paper, rel=0.30), (key, what, tr[key])


def test_edp_reduction_is_orders_of_magnitude(table):
    # "STT-MRAM and SOT-MRAM outperform SRAM by orders of magnitude in terms of energy-delay product for large cache
    # capacities" (65x / 95x; not a fit constraint: it is the product of the energy and latency reductions).  nvmsim:
    # 47x / 75x, SOT above STT as in the paper
    tr = fit.trends(table)
    assert 30 < tr["stt_edp_reduction"] < tr["sot_edp_reduction"] < 150
    # the reductions grow with capacity: the largest is at 32 MB, SRAM's advantage only at 1-2 MB
    f = fit.fig10(table)
    for phase in f.values():
        for tech in ("stt", "sot"):
            edp = phase[tech]["edp"]
            assert min(edp, key=edp.get) == 32
            assert phase[tech]["latency"][32] < 1 < phase[tech]["latency"][1]
