"""nvmsim's stock model at 22, 32 and 45 nm against NVSim itself, on the same cells and settings.

Source: NVSim's own printed reports in ``tests/data/nvsim_nodes/`` (NVSim's public source, built and run on the
``.cell`` / ``.cfg`` files that ``nvmsim tech nvsim-inputs --node N`` writes; see that folder's README): 1 MB RAM
arrays of the 28 nm cells, read-latency target, HP devices at 350 K, unrepeated aggressive wires, latency-first
drivers.  NVSim's areas scale as F^2 across nodes on the same organisation because it takes a cell's area in F^2 at
the run's node (MemCell; main.cpp leaves CellScaling off) and its 22 / 32 / 45 nm wires from Wire.cpp's tables;
nvmsim's stock model follows both (``models.circuit.nvsim_mat.cell_geometry``, ``models.technology`` wire rows).

Every report: nvmsim picks NVSim's organisation and every metric agrees within 0.5 % (measured: within 0.03 %); on
NVSim's organisation the mat and subarray sides agree within 0.1 %.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from models import compare_nvsim
from models.cells import load_cell
from models.circuit import stock
from models.circuit.calibration import nvsim_stock
from models.nvsim_io import read_nvsim_arrays
from models.technology import tech_node

DATA = Path(__file__).parent / "data" / "nvsim_nodes"
METRICS = ("read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ", "leakage_mW", "area_mm2")
REPORTS = sorted(f"{p.parent.name}/{p.stem}" for p in DATA.glob("n*/*.out"))


def _node(name):
    return int(name.split("/")[0][1:])


def test_the_reports_are_all_here():
    assert len(REPORTS) == 6


@pytest.mark.parametrize("name", REPORTS)
def test_nvmsim_agrees_with_nvsim_at_other_nodes(name):
    df = compare_nvsim(DATA / f"{name}.out", name.split("/")[1].split("_")[0], _node(name))
    ratio = df.set_index("source").loc["ratio"]
    for metric in METRICS:
        assert ratio[metric] == pytest.approx(1.0, abs=0.005), (metric, float(ratio[metric]))


def _um(value, unit):
    return float(value) * {"um": 1.0, "mm": 1e3}[unit]


@pytest.mark.parametrize("name", REPORTS)
def test_nvsim_organisation_scales_as_nvsims(name):
    # On NVSim's own organisation (read from its report) the stock model builds the same geometry at every node: mat
    # and subarray sides within 0.1 % (NVSim prints the side along the bitlines first), area, read latency and
    # leakage within 0.5 %.  Before NVSim's F^2 cell rule nvmsim's 22 nm SRAM subarray was 27.15 um long (NVSim 21.549),
    # i.e. the 28 nm cell's size.
    text = (DATA / f"{name}.out").read_text().replace("\r", "")
    side = r"= ([\d.]+)(um|mm) x ([\d.]+)(um|mm)"
    mat = re.search(r"Mat Area\s*" + side, text).groups()
    sub = re.search(r"Subarray Area\s*" + side, text).groups()
    cell, node = name.split("/")[1].split("_")[0], _node(name)
    nv = read_nvsim_arrays(DATA / f"{name}.out")["data"]
    g = nv["org"]
    tech = tech_node(node)
    d = stock.evaluate_organisation(load_cell(cell), tech, 1024 * 1024.0, 128, 1, "ram", g, cal=nvsim_stock())
    assert d.area * 1e6 == pytest.approx(nv["area_mm2"], rel=0.005)
    assert d.read_latency * 1e9 == pytest.approx(nv["read_latency_ns"], rel=0.005)
    assert d.leakage * 1e3 == pytest.approx(nv["leakage_mW"], rel=0.005)
    assert d.height / g["mat_rows"] * 1e6 == pytest.approx(_um(*mat[:2]), rel=0.001)
    assert d.width / g["mat_cols"] * 1e6 == pytest.approx(_um(*mat[2:]), rel=0.001)
    spec = stock.space_spec(load_cell(cell), tech, 1024 * 1024.0, 128, 1, "ram", False, nvsim_stock())
    _, parts = stock._mats(load_cell(cell), tech, spec, 100.0)
    mi = _mat_row(spec, g)
    assert parts["parts"]("h_sub", mi) * 1e6 == pytest.approx(_um(*sub[:2]), rel=0.001)
    assert parts["parts"]("w_sub", mi) * 1e6 == pytest.approx(_um(*sub[2:]), rel=0.001)


def _mat_row(spec, g):
    """The mat-table row of NVSim's organisation ``g`` in the space of ``spec``."""
    space = stock._space(spec)
    t = space.table
    want = {"l_sub_rows": g["sub_rows"], "l_sub_cols": g["sub_cols"], "l_act_sub_rows": g["act_sub_rows"],
            "l_act_sub_cols": g["act_sub_cols"], "l_mux_sa": g["mux_sa"], "l_mux_l1": g["mux_l1"],
            "l_mux_l2": g["mux_l2"]}
    m = spec.max_mat_log + 1
    lg = {k: int(np.log2(g[k])) for k in ("mat_rows", "mat_cols", "act_mat_cols", "act_mat_rows")}
    c = space.cls[((lg["mat_rows"] * m + lg["mat_cols"]) * m + lg["act_mat_cols"]) * m + lg["act_mat_rows"]]
    rng = np.arange(space.ptr[c], space.ptr[c + 1])
    hit = rng[np.all([t[f][rng] == np.log2(v) for f, v in want.items()], axis=0)]
    return int(hit[0])


def test_45nm_wires_are_nvsims_table():
    # NVSim Wire.cpp, 45 nm aggressive wires at 350 K (copper resistivity x (1 + 0.0039 x 57)): global pitch 8 F,
    # aspect 2.34, ILD 0.63 um, 2.06e-8 ohm m, k 2.6 -> 0.332 ohm/um and 0.296 fF/um (miller 1.5, vertical k 3.9,
    # fringe 0.115 fF/um); local pitch 0.102 um, aspect 1.8, ILD 0.0918 um, 4.08e-8 ohm m -> 10.65 ohm/um
    rho = 2.06e-8 * (1 + 0.0039 * 57)
    F = 45e-9
    w, t = 4 * F, 2.34 * 4 * F
    c = 2 * 8.85e-12 * 3.9 * w / 0.63e-6 + 2 * 8.85e-12 * 1.5 * 2.6 * t / w + 1.15e-10
    r_glob, c_glob = tech_node(45).wire("global")
    assert r_glob == pytest.approx(rho / (t * w), rel=0.01) and c_glob == pytest.approx(c, rel=0.01)
    r_loc, _ = tech_node(45).wire("local")
    assert r_loc == pytest.approx(4.08e-8 * (1 + 0.0039 * 57) / (0.051e-6 * 1.8 * 0.051e-6), rel=0.01)
