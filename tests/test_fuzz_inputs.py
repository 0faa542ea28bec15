"""Property-based fuzzing of every reader of user input: the CLI's parsers, the chip and cell TOML readers, the
profiler CSV readers, trace files and Accel-Sim traces, and the cache's addresses.

Each property: arbitrary input gives either a clean error (:class:`models.errors.NvmsimError`; on the CLI exit
status 2 and one line) or a valid result: finite numbers, in range, never a NaN or a 0 standing for something
missing.  Example counts are kept small so that the whole file runs in well under a minute.
"""

from __future__ import annotations

import math
import string

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from models.config import number_list, parse_number, size_MB  # noqa: E402
from models.errors import NvmsimError  # noqa: E402

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                derandomize=True)

#: Text a user might type where a number goes: numbers, specials, units, separators and noise.
TOKENS = st.sampled_from(["3", "6", "0", "-1", "1.5", "1e3", "1e400", "nan", "inf", "-inf", "NaN", "MB", "KB", "GB",
                          "B", ",", ",,", " ", ".", "e", "+", "x", "0x10", "١", "3MB", "512KB", "2**4", ""])
TYPED = st.one_of(st.lists(TOKENS, max_size=6).map("".join), st.text(max_size=12))
VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20), st.booleans(),
                   st.text(max_size=6), st.none(), st.lists(st.integers(0, 9), max_size=2))


def _clean(err: NvmsimError) -> None:
    text = str(err)
    assert text and "\n" not in text and ":" in text  # "field: reason"


@FUZZ
@given(TYPED)
def test_typed_numbers_and_lists(text):
    for call in (lambda: parse_number(text, "x", positive=True, unit="ns"),
                 lambda: number_list(text, "--l2", positive=True, unit="MB", sizes=True),
                 lambda: number_list(text, "--batches", integer=True, positive=True),
                 lambda: size_MB(text, "--capacity", bare_unit=None)):
        try:
            got = call()
        except NvmsimError as exc:
            _clean(exc)
            continue
        values = got if isinstance(got, list) else [got]
        assert values and all(math.isfinite(v) and v > 0 for v in values)


@FUZZ
@given(st.sampled_from(["--node", "--workers", "--scheduler", "--inference-batch", "--l2", "--tech", "--batches",
                        "--capacities", "--reference-MB"]),
       TYPED, st.sampled_from(["iso-capacity", "batch-size", "iso-area", "scalability"]))
def test_study_command_lines_parse_or_refuse(option, value, verb):
    """argparse plus each verb's own parsing (not the study itself): one line, exit 2, or valid options."""
    from simulator.cli import UsageError, build_parser
    from simulator.cli import studies as verbs

    try:
        args = build_parser().parse_args([verb, option, value])
    except UsageError as exc:
        _clean(exc)
        return
    try:
        cells = verbs._cells(args)
        if verb == "iso-area":
            caps = verbs.iso_area_capacities(args.capacities, cells)
            assert caps is None or all(math.isfinite(v) and v > 0 for v in caps.values())
        if verb == "scalability":
            assert all(math.isfinite(v) and v > 0 for v in verbs._capacities(args.l2))
        if verb == "batch-size":
            assert all(isinstance(b, int) and b > 0 for b in verbs.parse_float_list(args.batches, "--batches",
                                                                                      integer=True, positive=True))
        if verb in ("iso-capacity", "iso-area", "scalability"):
            verbs._phases(args)
    except NvmsimError as exc:
        _clean(exc)
        return
    assert math.isfinite(args.node) and args.node > 0
    assert args.workers == "auto" or args.workers >= 1


@FUZZ
@given(st.lists(st.tuples(st.text(string.ascii_letters, min_size=0, max_size=5), TYPED, TYPED), max_size=3))
def test_simulate_tech_option(entries):
    from simulator.cli.simulate import parse_tech

    text = ",".join(f"{n}={r}/{w}" for n, r, w in entries)
    try:
        got = parse_tech(text)
    except NvmsimError as exc:
        _clean(exc)
        return
    assert got and all(v > 0 and math.isfinite(v) for lat in got.values() for v in lat.values())


CHIP_FIELDS = [("n_sms", None), ("read_latency_ns", "l2"), ("write_latency_ns", "l2"), ("ways", "l2"),
               ("core_MHz", "clocks"), ("bandwidth_GBps", "dram"), ("latency_ns", "dram"), ("sets", "l1")]


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if v is None:
        return '""'
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


@FUZZ
@given(st.sampled_from(CHIP_FIELDS), VALUES)
def test_chip_files(tmp_path_factory, field, value):
    import re

    from simulator.gpu.chip import PRESET_DIR, load_chip

    name, table = field
    text = (PRESET_DIR / "gtx1080ti-deepnvm.toml").read_text()
    section = re.search(rf"(?ms)^\[{table}\].*?(?=^\[|\Z)", text) if table else re.search(r"(?s)\A.*?(?=^\[)", text,
                                                                                             re.M)
    body = section.group(0)
    line = f"{name} = {_toml_value(value)}"
    new = re.sub(rf"(?m)^{name}\s*=.*$", line, body, count=1) if re.search(rf"(?m)^{name}\s*=", body) else \
        body.rstrip("\n") + "\n" + line + "\n\n"
    path = tmp_path_factory.mktemp("chip") / "chip.toml"
    path.write_text(text.replace(body, new, 1))
    try:
        chip = load_chip(path)
    except NvmsimError as exc:
        _clean(exc)
        return
    for v in (chip.n_sms, chip.l2.read_latency_ns, chip.l2.write_latency_ns, chip.clocks.core_MHz,
              chip.dram.bandwidth_GBps, chip.l1.sets, chip.l2.ways):
        assert math.isfinite(v) and v > 0
    assert math.isfinite(chip.dram.latency_ns) and chip.dram.latency_ns >= 0  # 0: DRAM latency left out, as written


CELL_KEYS = ["node_nm", "area_F2", "set_latency_ns", "reset_latency_ns", "set_energy_pJ", "reset_energy_pJ",
             "set_current_uA", "reset_current_uA", "resistance_on_ohm", "resistance_off_ohm", "read_energy_pJ",
             "read_fins", "write_error_rate", "mem_type", "separate_read_path"]


@FUZZ
@given(st.dictionaries(st.sampled_from(CELL_KEYS), VALUES, max_size=4), st.sets(st.sampled_from(CELL_KEYS), max_size=2))
def test_cell_dicts(changes, dropped):
    from models.cells import load_cell

    base = {"name": "m", "mem_type": "mram", "node_nm": 16, "area_F2": 40, "set_latency_ns": 5,
            "reset_latency_ns": 5, "set_energy_pJ": 1, "reset_energy_pJ": 1, "set_current_uA": 80,
            "reset_current_uA": 80, "resistance_on_ohm": 3000, "resistance_off_ohm": 6000}
    data = {k: v for k, v in {**base, **changes}.items() if k not in dropped}
    try:
        cell = load_cell(data)
    except NvmsimError as exc:
        _clean(exc)
        return
    for f in ("node_nm", "area_F2", "set_latency_ns", "reset_latency_ns", "read_energy_pJ", "write_error_rate"):
        v = getattr(cell, f)
        assert math.isfinite(v) and v >= 0
    if not cell.is_sram:
        assert all(k in data for k in ("set_latency_ns", "reset_latency_ns", "resistance_on_ohm"))
        assert cell.write_latency_ns > 0


METRICS = ["lts__t_sectors_op_read.sum", "lts__t_sectors_op_write.sum", "dram__sectors_read.sum",
           "dram__sectors_write.sum", "dram__bytes_read.sum", "gpu__time_duration.sum"]
CELLS = st.one_of(TOKENS, st.integers(-5, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                  st.sampled_from(["n/a", "", "1,024.5", "  7 "]))


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(METRICS), st.sampled_from(["sector", "byte", "Kbyte",
                                                                                         "", "furlong"]), CELLS),
                min_size=0, max_size=8),
       st.booleans())
def test_profiles(tmp_path_factory, rows, drop_value_column):
    """Long-format ncu exports with arbitrary metric rows: an exact import (finite counts >= 0, NaN only where
    a metric is absent) or a refusal; the studies' counts row is never NaN or a 0 standing for a missing count."""
    from simulator.studies.gpu_counts import profile_counts
    from traces import read_ncu_csv

    head = '"ID","Kernel Name","Metric Name","Metric Unit"' + ("" if drop_value_column else ',"Metric Value"')
    lines = [head] + [f'"{k}","kern{k}","{m}","{u}"' + ("" if drop_value_column else f',"{v}"') for k, m, u, v in rows]
    path = tmp_path_factory.mktemp("ncu") / "ncu.csv"
    path.write_text("\n".join(lines) + "\n")
    try:
        df = read_ncu_csv(path)
    except NvmsimError as exc:
        _clean(exc)
    else:
        counts = df[["l2_read_sectors", "l2_write_sectors", "dram_read_sectors", "dram_write_sectors"]]
        assert counts.notna().any().any()
        assert ((counts >= 0) | counts.isna()).all().all() and np.isfinite(counts.fillna(0)).all().all()
    try:
        row = profile_counts(path, l2_MB=3)
    except NvmsimError as exc:
        _clean(exc)
        return
    vals = row[["l2_reads", "l2_writes", "dram_reads", "dram_writes"]].iloc[0]
    assert vals.notna().all() and np.isfinite(vals).all() and (vals >= 0).all()


@FUZZ
@given(st.binary(max_size=300))
def test_trace_files(tmp_path_factory, data):
    from traces import load_trace

    path = tmp_path_factory.mktemp("trace") / "t.nvtrace.parquet"
    path.write_bytes(data)
    with pytest.raises(NvmsimError) as exc:
        list(load_trace(path))
    _clean(exc.value)


@FUZZ
@given(st.lists(st.sampled_from(["0070 ffffffff 1 R2 LDG.E 1 R2 4 1 0x7f0000000000 4", "#BEGIN_TB", "#END_TB",
                                 "thread block = 0,0,0", "warp = 0", "insts = 1", "-kernel id = 1",
                                 "-grid dim = (2,1,1)", "-block dim = (32,1,1)", "0080 zz 1 R4 LDG.E",
                                 "00a0 ffffffff 0 STG.E 2 R6 R0 4 1 0xnothex 4", "insts = -3", "warp = x", ""]),
                max_size=12))
def test_accelsim_traces(tmp_path_factory, lines):
    from traces import read_accelsim

    path = tmp_path_factory.mktemp("accelsim") / "kernel-1.traceg"
    path.write_text("\n".join(lines) + "\n")
    try:
        chunks = list(read_accelsim(path, n_sms=4))
    except NvmsimError as exc:
        _clean(exc)
        return
    for ch in chunks:
        assert ch.addr.dtype == np.uint64 and len(ch.addr) == len(ch.is_write) == len(ch.sm) == len(ch.kernel)


@FUZZ
@given(st.lists(st.one_of(st.integers(-2**63, 2**64 - 1), st.floats(allow_nan=True, allow_infinity=True)),
                min_size=1, max_size=20))
def test_cache_addresses(values):
    from simulator import Cache

    cache = Cache(32768, 128, 4)
    try:
        arr = np.array(values)
    except OverflowError:
        arr = np.array(values, dtype=object)
    try:
        stats = cache.access(arr)
    except NvmsimError as exc:
        _clean(exc)
        return
    assert stats.accesses == len(values)
    assert all(isinstance(v, int) or (float(v).is_integer() and v >= 0) for v in values)


def test_profile_rows_keep_their_labels(tmp_path):
    """Measured counts are labelled as given (default: the file), never as the simulated sweep's defaults."""
    from simulator.studies.deepnvm import sweep_l2

    path = tmp_path / "ncu.csv"
    path.write_text('"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n'
                    '"0","k","lts__t_sectors_op_read.sum","sector","500"\n'
                    '"0","k","lts__t_sectors_op_write.sum","sector","50"\n'
                    '"0","k","dram__sectors_read.sum","sector","100"\n'
                    '"0","k","dram__sectors_write.sum","sector","10"\n')
    df = sweep_l2(from_profile=path, cells=["sram"], l2_MB=3)
    assert list(df["network"]) == ["profile:ncu.csv"] and list(df["phase"]) == [""] and list(df["batch"]) == [0]
    assert list(df["l2_MB"]) == [3.0] and list(df["dram_accesses"]) == [110.0]
    labelled = sweep_l2("vgg16", "training", 64, from_profile=path, cells=["sram"])
    assert (labelled["network"].iloc[0], labelled["phase"].iloc[0], labelled["batch"].iloc[0]) == ("vgg16",
                                                                                                  "training", 64)
    assert pd.api.types.is_float_dtype(labelled["l2_MB"])
