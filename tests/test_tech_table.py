"""The per-technology table against the papers' published array results.

Sources: DeepNVM++ (Inci et al., arXiv:2012.04559) Table II (3 MB, 16 nm, EDAP-optimal caches), its iso-area
capacities and its Fig. 9 text (1-32 MB trends); the STT-MRAM scratchpad paper's Table II (28 nm iso-area at
0.5 and 48.1 mm^2).  Tolerances and the known deviations are documented at each test.
"""

import dataclasses

import pandas as pd
import pytest

from models import area_budget_capacity, design_point, iso_area, load_cell, tech_table
from models.errors import ConfigError

# DeepNVM++ Table II, iso-capacity 3 MB: read ns, write ns, read nJ, write nJ, leakage mW, area mm^2
TABLE_II = {
    "sram": (2.91, 1.53, 0.35, 0.32, 6442, 5.53),
    "stt": (2.98, 9.31, 0.81, 0.31, 748, 2.34),
    "sot": (3.71, 1.38, 0.49, 0.22, 527, 1.95),
}
COLS = ("read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ", "leakage_mW", "area_mm2")
CAPS = [1, 2, 3, 4, 8, 16, 32]


@pytest.fixture(scope="module")
def fig9():
    return tech_table(cells=["sram", "stt", "sot"], capacities_MB=CAPS, node_nm=16)


def _pivot(df, col):
    return df.pivot(index="capacity_MB", columns="technology", values=col)


def test_columns_and_rows(fig9):
    for c in ("technology", "capacity_MB", "organization", "access_type") + COLS:
        assert c in fig9.columns
    assert len(fig9) == 21 and list(fig9.technology.unique()) == ["sram", "stt", "sot"]
    assert (fig9[list(COLS)] > 0).all().all()


@pytest.mark.parametrize("tech", ["sram", "stt", "sot"])
def test_deepnvm_table2_within_30_percent(fig9, tech):
    # DeepNVM++ Table II at 3 MB, every entry within +-30 %.  (SOT read latency: 3.20 ns vs 3.71, STT 3.02 vs
    # 2.98, since resistive reads add the current-mode sense amplifier after the bitline instead of using
    # Table I's 650 ps bitline time as the amplifier; before that fix SOT read 2.38 ns and was checked at +-40 %.)
    row = fig9[(fig9.technology == tech) & (fig9.capacity_MB == 3)].iloc[0]
    for col, paper in zip(COLS, TABLE_II[tech], strict=True):
        assert row[col] == pytest.approx(paper, rel=0.30), (tech, col, row[col], paper)


def test_deepnvm_area_ratios(fig9):
    # DeepNVM++ abstract/Table II: area SRAM/STT 2.4x and SRAM/SOT 2.8x at 3 MB, within +-15 %
    a = _pivot(fig9, "area_mm2").loc[3]
    assert a.sram / a.stt == pytest.approx(2.4, rel=0.15)
    assert a.sram / a.sot == pytest.approx(2.8, rel=0.15)


def test_deepnvm_iso_area():
    # DeepNVM++ Table II: in the 3 MB SRAM's area fit 7 MB of STT-MRAM (+-1) and 10 MB of SOT-MRAM (+-1.5)
    df = iso_area(reference="sram", reference_MB=3, cells=["stt", "sot"], node_nm=16).set_index("technology")
    assert df.loc["stt", "capacity_MB"] == pytest.approx(7, abs=1.0)
    assert df.loc["sot", "capacity_MB"] == pytest.approx(10, abs=1.5)
    assert df.loc["stt", "capacity_MB_rounded"] == 7
    assert (df.area_mm2 <= df.loc["sram", "area_budget_mm2"] * (1 + 1e-9)).all()


def test_fig9_latency_trends(fig9):
    rl, wl = _pivot(fig9, "read_latency_ns"), _pivot(fig9, "write_latency_ns")
    # DeepNVM++ Fig. 9(b): both MRAMs read faster than SRAM beyond 4 MB (checked from 4 MB on) ...
    for cap in (4, 8, 16, 32):
        assert rl.loc[cap, "stt"] < rl.loc[cap, "sram"] and rl.loc[cap, "sot"] < rl.loc[cap, "sram"]
    # ... and SRAM reads faster at small capacity (checked at 1 and 2 MB against both MRAMs)
    for cap in (1, 2):
        assert rl.loc[cap, "sram"] < rl.loc[cap, "stt"] and rl.loc[cap, "sram"] < rl.loc[cap, "sot"]
    # STT has the highest write latency at every capacity
    assert (wl.stt > wl.sram).all() and (wl.stt > wl.sot).all()
    # SRAM read latency grows fastest with capacity (longer wires for the bigger cell)
    assert rl.loc[32, "sram"] / rl.loc[1, "sram"] > rl.loc[32, "sot"] / rl.loc[1, "sot"]


def test_fig9_energy_trends(fig9):
    re_, we = _pivot(fig9, "read_energy_nJ"), _pivot(fig9, "write_energy_nJ")
    # Fig. 9(c): STT has the highest read energy of the three everywhere
    assert (re_.stt > re_.sram).all() and (re_.stt > re_.sot).all()
    # SOT read energy drops below SRAM's at large capacity (paper: from 7 MB; nvmsim's crossover lies
    # between 8 and 16 MB) and is above it at small capacity
    assert (re_.sot.loc[[16, 32]] < re_.sram.loc[[16, 32]]).all()
    assert (re_.sot.loc[[1, 2, 3]] > re_.sram.loc[[1, 2, 3]]).all()
    # SOT is the most write-efficient everywhere
    assert (we.sot < we.sram).all() and (we.sot < we.stt).all()
    # SRAM has the highest write energy at large capacity (paper: above 3 MB; nvmsim: from 16 MB)
    assert (we.sram.loc[[16, 32]] > we.stt.loc[[16, 32]]).all()


def test_fig9_area_and_leakage_trends(fig9):
    a, lk = _pivot(fig9, "area_mm2"), _pivot(fig9, "leakage_mW")
    # Fig. 9(a): MRAM caches are much smaller and the gap does not shrink with capacity
    assert ((a.sram / a.stt) > 2).all() and ((a.sram / a.sot) > 2.3).all()
    assert a.sram.loc[32] / a.stt.loc[32] >= a.sram.loc[3] / a.stt.loc[3]
    assert a.sram.loc[32] / a.sot.loc[32] >= a.sram.loc[3] / a.sot.loc[3]
    # leakage: SRAM cells dominate (several x the MRAMs' peripheral leakage), all grow with capacity
    assert ((lk.sram / lk.stt) > 4).all() and ((lk.sram / lk.sot) > 4).all()
    assert lk.sram.is_monotonic_increasing and lk.sot.loc[32] > lk.sot.loc[1]


@pytest.fixture(scope="module")
def scratchpad():
    out = {}
    for budget in (0.5, 48.1):
        for cell in ("sram28", "stt28"):
            cap = area_budget_capacity(cell, budget, node_nm=28, mode="ram")
            out[budget, cell] = (cap, design_point(cell, cap, 28, mode="ram"))
    return out


def test_scratchpad_table2_iso_area(scratchpad):
    # Scratchpad paper Table II (28 nm): 48.1 mm^2 holds 40592 KB of SRAM and 131072 KB of MRAM; MRAM holds
    # 2.8-3.2x the SRAM capacity.  Checked: 48.1 mm^2 capacities within +-20 %, the ratio within
    # 2.8-3.2 +-15 % at both budgets.  Known deviation: at 0.5 mm^2 nvmsim's EDAP-chosen arrays are denser
    # than the paper's (SRAM ~350 KB vs 183 KB), so those capacities are only checked within a factor of 2.5.
    # The paper (Sec. V-B) chose NVSim's cache configuration with the read-latency target; that choice in
    # nvmsim gives SRAM 240 KB but STT only 208 KB (paper 512 KB, MRAM/SRAM 0.87x instead of 2.8x), and RAM
    # mode with the read-latency target 264 / 576 KB (2.2x), so the EDAP choice is kept.
    s_big, m_big = scratchpad[48.1, "sram28"][0] * 1024, scratchpad[48.1, "stt28"][0] * 1024
    assert s_big == pytest.approx(40592, rel=0.20) and m_big == pytest.approx(131072, rel=0.20)
    s_small, m_small = scratchpad[0.5, "sram28"][0] * 1024, scratchpad[0.5, "stt28"][0] * 1024
    assert 183 / 2.5 < s_small < 183 * 2.5 and 512 / 2.5 < m_small < 512 * 2.5
    for s, m in ((s_small, m_small), (s_big, m_big)):
        assert 2.8 * 0.85 <= m / s <= 3.2 * 1.15


def test_scratchpad_table2_leakage(scratchpad):
    # Scratchpad paper Table II: MRAM leaks 1.9-4.4x less than SRAM in the same area; SRAM 594 mW in
    # 0.5 mm^2 and 64257 mW in 48.1 mm^2 (checked +-30 %).  Known deviation: nvmsim's small MRAM leaks less
    # than the paper's read-latency-optimised one, so the ratio is checked as 1.9x to 10x.
    for budget, sram_mW in ((0.5, 594), (48.1, 64257)):
        ds, dm = scratchpad[budget, "sram28"][1], scratchpad[budget, "stt28"][1]
        assert ds.leakage_mW == pytest.approx(sram_mW, rel=0.30)
        assert 1.9 <= ds.leakage_mW / dm.leakage_mW <= 10


def test_scratchpad_range_ram_mode():
    # scratchpad study range: 32 KB to 512 MB, RAM mode (no tag array), fractional MB
    df = tech_table(cells=["sram28", "stt28"], capacities_MB=[1 / 32, 512], node_nm=28, mode="ram")
    assert len(df) == 4 and (df.tag_area_mm2 == 0).all()
    big = df[df.capacity_MB == 512].set_index("technology")
    assert big.loc["sram28", "area_mm2"] > 2 * big.loc["stt28", "area_mm2"]


def test_cells_as_objects_files_and_options(tmp_path):
    # a Cell object (the MTJ engineer's low-cost-write cells) keeps its name as the technology
    fast = dataclasses.replace(load_cell("stt28"), name="stt28_lowdur", set_latency_ns=4.7, reset_latency_ns=4.7)
    df = tech_table(cells=["stt28", fast], capacities_MB=[0.5], node_nm=28, mode="ram", targets="read_latency")
    lat = df.set_index("technology").write_latency_ns
    # same read-latency-optimal organisation, so the write latencies differ by the pulses (10 - 4.7 ns)
    assert lat["stt28"] - lat["stt28_lowdur"] == pytest.approx(5.3, rel=1e-6)
    # one target instead of Algorithm 1; a single access type
    rl = tech_table(cells=["sram"], capacities_MB=[1], targets="read_latency", access_types=("sequential",))
    assert rl.target.iloc[0] == "read_latency" and rl.access_type.iloc[0] == "sequential"
    # a file path
    f = tmp_path / "mine.toml"
    f.write_text('[cell]\nname = "mine"\nmem_type = "mram"\nnode_nm = 16\narea_um2 = 0.03\nset_latency_ns = 2\n'
                 'set_energy_pJ = 0.5\nresistance_on_ohm = 3000\nresistance_off_ohm = 6000\n')
    assert tech_table(cells=[str(f)], capacities_MB=[1]).technology.iloc[0] == "mine"


def test_temperature_and_physical_write_convention():
    hot = tech_table(cells=["sram"], capacities_MB=[1], temperature_K=380).leakage_mW.iloc[0]
    cold = tech_table(cells=["sram"], capacities_MB=[1], temperature_K=320).leakage_mW.iloc[0]
    assert hot > 2 * cold
    # NVSim's convention divides a Normal/Fast cache's cell write energy by the associativity; the
    # physical one charges every written bit: 1024 bits x 1.65 pJ (STT mean of SET/RESET) = 1.7 nJ more
    nv = design_point("stt", 3, access_types=("normal",))
    ph = design_point("stt", 3, access_types=("normal",), write_convention="physical")
    assert ph.write_energy_nJ - nv.write_energy_nJ > 1.5


def test_bad_inputs_name_the_field():
    with pytest.raises(ConfigError, match="assoc"):
        tech_table(cells=["sram"], capacities_MB=[1], assoc=12)
    with pytest.raises(ConfigError, match="access_types"):
        tech_table(cells=["sram"], capacities_MB=[1], access_types=("turbo",))
    with pytest.raises(ConfigError, match="targets"):
        tech_table(cells=["sram"], capacities_MB=[1], targets="speed")
    with pytest.raises(ConfigError, match="capacities_MB"):
        tech_table(cells=["sram"], capacities_MB=[-1])
    with pytest.raises(ConfigError, match="node_nm"):
        tech_table(cells=["sram"], capacities_MB=[1], node_nm=7)
    with pytest.raises(ConfigError, match="cells"):
        tech_table(cells=["sram", "sram"], capacities_MB=[1])
    assert isinstance(tech_table(cells="sot", capacities_MB=[2]), pd.DataFrame)


def test_nvsim_write_convention_divides_tag_subarrays_too():
    # NVSim SubArray::CalculatePower (github SEAL-UCSB/NVSim): "if designTarget == cache && cacheAccessMode !=
    # sequential" the subarray write energy is divided by the associativity -- for every subarray of the cache,
    # tag array included.  With one fixed target (same data and tag arrays under both conventions) the physical
    # minus the NVSim write energy is (data + tag subarray write energy) x (1 - 1/16).
    from models.circuit.search import array_optima, cache_specs
    from models.technology import tech_node

    cell, t = load_cell("stt"), tech_node(16)
    dspec, tspec = cache_specs(3 * 2**20, 16, 128, "normal")
    db, dres, _ = array_optima(cell, t, dspec, ("read_edp",))
    tb, tres, _ = array_optima(cell, t, tspec, ("read_edp",))
    subs = dres["sub_write_energy_J"][db["read_edp"]] + tres["sub_write_energy_J"][tb["read_edp"]]
    kw = dict(access_types=("normal",), targets="read_edp")
    nv = design_point("stt", 3, **kw)
    ph = design_point("stt", 3, write_convention="physical", **kw)
    assert (ph.write_energy_nJ - nv.write_energy_nJ) * 1e-9 == pytest.approx(subs * 15 / 16, rel=1e-9)
    assert tres["sub_write_energy_J"][tb["read_edp"]] > 0.04e-9  # ~35 tag bits x 1.65 pJ: not negligible
