"""nvmsim's 28 nm circuit model against NVSim itself, on the same cells and settings.

Source: NVSim's own printed reports in ``tests/data/nvsim_28nm/`` (NVSim's public source, built here and run on the
``.cell`` / ``.cfg`` files that ``nvmsim tech nvsim-inputs`` writes; see that folder's README): 28 nm, HP devices,
350 K, unrepeated aggressive wires, H-tree, latency-first drivers, the read-latency target; RAM mode with 128 B words
and NVSim's sample cache (Sequential, 16 ways, 64 B lines).  ``models.compare_nvsim`` reads the specification each
report echoes and builds nvmsim's design for it (``buffer_design="latency"``, NVSim's stock periphery).

Bands are ratios nvmsim / NVSim with the measured value in the comment.  Where they are wide the cause is stated:
* MRAM leakage: near-tied read-latency optima differ in organisation (NVSim rates nvmsim's picks within 0.4 % of its
  own best read latency, tests/test_circuit_nvsim_stock.py), and their leakages differ by up to 25 %;
* MRAM read energy: per sensed bit both count NVSim's 2 x Vdd x V_read / R_on x t_sense for the cell and its
  reference (0.22 pJ) and the I-V converter's 0.15 pJ, but nvmsim's picks (the organisations above) route less of
  the H-tree: 3-16 % low;
* the SRAM cache's tag array: nvmsim picks another organisation (64 x 32 mats of 2 x 16 subarrays; NVSim 64 x 16 of
  2 x 48), whose H-tree costs about twice the energy (tag read 87 vs 40 pJ).
"""

from pathlib import Path

import pytest

from models import compare_nvsim, design_point
from models.nvsim_io import read_nvsim_report

DATA = Path(__file__).parent / "data" / "nvsim_28nm"
METRICS = ("read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ", "leakage_mW", "area_mm2")

SRAM_RAM = dict(read_latency_ns=(0.96, 1.04), write_latency_ns=(0.96, 1.04), read_energy_nJ=(0.88, 1.05),
                write_energy_nJ=(0.88, 1.06), leakage_mW=(0.94, 1.08), area_mm2=(0.98, 1.02))
MRAM_RAM = dict(read_latency_ns=(0.98, 1.02), write_latency_ns=(0.99, 1.01), read_energy_nJ=(0.82, 1.0),
                write_energy_nJ=(0.88, 1.0), leakage_mW=(0.74, 1.22), area_mm2=(0.93, 1.03))
BANDS = {
    # measured: read / write latency, read / write energy, leakage, area
    "sram28_128KB_ram": SRAM_RAM,  # 0.977 0.968 0.972 0.975 0.964 0.998 (NVSim's organisation)
    "sram28_256KB_ram": SRAM_RAM,  # 0.988 0.981 0.993 0.995 0.960 0.998 (NVSim's organisation)
    "sram28_512KB_ram": SRAM_RAM,  # 0.984 0.974 0.904 0.912 0.965 0.998 (NVSim's organisation)
    "sram28_32768KB_ram": SRAM_RAM,  # 1.001 0.990 0.996 1.039 1.060 0.997
    "stt28_256KB_ram": MRAM_RAM,  # 0.998 1.000 0.954 0.980 0.767 1.002
    "stt28_512KB_ram": MRAM_RAM,  # 1.002 1.001 0.871 0.930 1.187 0.977
    "stt28_1024KB_ram": MRAM_RAM,  # 0.997 1.000 0.841 0.907 0.878 0.948
    "stt28_131072KB_ram": MRAM_RAM,  # 1.001 1.000 0.924 0.955 0.987 1.000 (NVSim's organisation)
    # Sequential caches, tag array included: 1.064 0.984 1.248 1.568 0.938 1.007 (the tag's organisation, above)
    "sram28_256KB_cache": dict(read_latency_ns=(0.95, 1.10), write_latency_ns=(0.95, 1.05),
                               read_energy_nJ=(1.0, 1.35), write_energy_nJ=(1.3, 1.7), leakage_mW=(0.9, 1.05),
                               area_mm2=(0.97, 1.05)),
    # 1.008 1.000 0.965 1.005 0.943 0.919 (NVSim's tag write rewrites every way's tag, as nvmsim's stock model now)
    "stt28_512KB_cache": dict(read_latency_ns=(0.97, 1.04), write_latency_ns=(0.99, 1.01),
                              read_energy_nJ=(0.9, 1.02), write_energy_nJ=(0.93, 1.07), leakage_mW=(0.88, 1.05),
                              area_mm2=(0.88, 1.0)),
    # 1.029 1.000 1.051 1.085 0.987 0.974; NVSim's own 128 MB cache is the scratchpad paper's 48.1 mm^2 MRAM almost
    # exactly: 48.6 mm^2, hit 14.94 ns, write 15.94 ns, 15.5 W (paper 48.1, 14.6, 15.8, 14.6 W)
    "stt28_131072KB_cache": dict(read_latency_ns=(0.97, 1.05), write_latency_ns=(0.99, 1.01),
                                 read_energy_nJ=(0.95, 1.1), write_energy_nJ=(1.0, 1.15), leakage_mW=(0.95, 1.03),
                                 area_mm2=(0.95, 1.0)),
}
REPORTS = sorted(p.stem for p in DATA.glob("*.out"))


def test_every_report_has_a_band():
    assert set(REPORTS) == set(BANDS) and len(REPORTS) >= 10


@pytest.mark.parametrize("name", REPORTS)
def test_nvmsim_agrees_with_nvsim(name):
    df = compare_nvsim(DATA / f"{name}.out", name.split("_")[0], 28)
    ratio = df.set_index("source").loc["ratio"]
    for metric in METRICS:
        lo, hi = BANDS[name][metric]
        assert lo <= ratio[metric] <= hi, (metric, float(ratio[metric]))


@pytest.mark.parametrize("name", ["sram28_128KB_ram", "sram28_256KB_ram", "sram28_512KB_ram", "stt28_131072KB_ram"])
def test_free_search_lands_on_nvsims_organisation(name):
    # both searches pick the same bank, mat and subarray shape
    rep = read_nvsim_report(DATA / f"{name}.out")
    ours = design_point(name.split("_")[0], rep["capacity_KB"] / 1024, 28, mode="ram", targets="read_latency")
    bank, mat, sub = (part.split()[1] for part in rep["organization"].split(", "))
    assert f"bank {bank} mats" in ours.organization and f"mat {mat} " in ours.organization
    assert f"subarray {sub}," in ours.organization


@pytest.mark.parametrize("budget_mm2", [0.5, 48.1])
def test_same_fit_verdict_as_nvsim_in_the_papers_budgets(budget_mm2):
    # For every RAM run, nvmsim's design fits the scratchpad paper's area budgets exactly when NVSim's does: NVSim
    # fits 256 KB of SRAM in 0.5 mm^2 (0.490) but not 512 KB (0.907), and of the STT-MRAM 256 KB (0.222) but neither
    # 512 KB (0.590) nor 1 MB (0.698); 32 MB SRAM (34.1) and 128 MB MRAM (44.1) fit 48.1 mm^2.
    for name in REPORTS:
        if name.endswith("_ram"):
            df = compare_nvsim(DATA / f"{name}.out", name.split("_")[0], 28).set_index("source")
            assert (df.loc["nvmsim", "area_mm2"] <= budget_mm2) == (df.loc["nvsim", "area_mm2"] <= budget_mm2), name
