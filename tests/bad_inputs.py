"""The bad-input catalogue: every CLI command line and API call here must be refused with one line naming the
field and the reason (CLI: exit status 2; API: a :class:`models.errors.NvmsimError`), before any long work.

Shared by ``test_bad_inputs.py`` (one test per case) and the count in the README's note.  ``{tmp}`` in an
argument is the test's temporary directory, ``{f:NAME}`` a file from :data:`FILES` written there.
"""

from __future__ import annotations

# ruff: noqa: E501  (a table: one case per line)

FILES = {
    "chip_syntax.toml": '[l2\nways = 4\n',
    "cell_no_set.toml": '[cell]\nname = "m"\nmem_type = "mram"\nnode_nm = 16\narea_F2 = 40\nreset_latency_ns = 5\nset_energy_pJ = 1\nreset_energy_pJ = 1\nset_current_uA = 80\nreset_current_uA = 80\nresistance_on_ohm = 3000\nresistance_off_ohm = 6000\n',
    "cell_nan.toml": '[cell]\nname = "m"\nmem_type = "mram"\nnode_nm = 16\narea_F2 = 40\nread_energy_pJ = nan\nset_latency_ns = 5\nreset_latency_ns = 5\nset_energy_pJ = 1\nreset_energy_pJ = 1\nset_current_uA = 80\nreset_current_uA = 80\nresistance_on_ohm = 3000\nresistance_off_ohm = 6000\n',
    "cell_inf.toml": '[cell]\nname = "m"\nmem_type = "sram"\nnode_nm = 16\narea_F2 = inf\n',
    "ncu_no_value.csv": '"ID","Kernel Name","Metric Name","Metric Unit"\n"0","k","lts__t_sectors_op_read.sum","sector"\n',
    "ncu_negative.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","-5"\n"0","k","lts__t_sectors_op_write.sum","sector","5"\n"0","k","dram__sectors_read.sum","sector","5"\n"0","k","dram__sectors_write.sum","sector","5"\n',
    "ncu_inf.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","inf"\n"0","k","lts__t_sectors_op_write.sum","sector","5"\n',
    "ncu_nan.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","nan"\n"0","k","lts__t_sectors_op_write.sum","sector","5"\n',
    "ncu_text.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","lots"\n',
    "ncu_no_dram.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","5"\n"0","k","lts__t_sectors_op_write.sum","sector","5"\n',
    "ncu_partial.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","5"\n"0","k","lts__t_sectors_op_write.sum","sector","5"\n"0","k","dram__sectors_read.sum","sector","5"\n"0","k","dram__sectors_write.sum","sector","5"\n"1","j","lts__t_sectors_op_read.sum","sector","5"\n"1","j","lts__t_sectors_op_write.sum","sector","5"\n"1","j","dram__sectors_read.sum","sector","n/a"\n"1","j","dram__sectors_write.sum","sector","5"\n',
    "ncu_no_metrics.csv": '"ID","Kernel Name","Duration"\n"0","k","5"\n',
    "ncu_ok.csv": '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n"0","k","lts__t_sectors_op_read.sum","sector","500"\n"0","k","lts__t_sectors_op_write.sum","sector","50"\n"0","k","dram__sectors_read.sum","sector","100"\n"0","k","dram__sectors_write.sum","sector","10"\n',
    "nvprof_neg.csv": '"Device","Kernel","Invocations","Metric Name","Metric Description","Min","Max","Avg"\n"d","k",1,"l2_read_transactions","x",-1,-1,-1\n',
    "nvprof_inv.csv": '"Device","Kernel","Invocations","Metric Name","Metric Description","Min","Max","Avg"\n"d","k",0,"l2_read_transactions","x",1,1,1\n',
    "empty.csv": "",
    "junk.parquet": "not a parquet file\n",
    "a_file": "x\n",
}

#: Chip files: the shipped preset with one line changed (regular expression -> replacement).
CHIP_EDITS = {
    "chip_nan.toml": (r"read_latency_ns = [0-9.]+", "read_latency_ns = nan"),
    "chip_inf.toml": (r"write_latency_ns = [0-9.]+", "write_latency_ns = inf"),
    "chip_neg.toml": (r"n_sms = [0-9]+", "n_sms = -4"),
    "chip_str.toml": (r"core_MHz = [0-9.]+", 'core_MHz = "fast"'),
}


def write_files(tmp) -> None:
    """Write :data:`FILES` and the edited chips into the directory ``tmp``."""
    import re
    from pathlib import Path

    from simulator.gpu.chip import PRESET_DIR

    for name, text in FILES.items():
        (Path(tmp) / name).write_text(text)
    preset = (PRESET_DIR / "gtx1080ti-deepnvm.toml").read_text()
    for name, (pattern, repl) in CHIP_EDITS.items():
        edited, n = re.subn(pattern, repl, preset, count=1)
        assert n == 1, name
        (Path(tmp) / name).write_text(edited)


def expand(arg: str, tmp) -> str:
    """An argument with ``{tmp}`` and ``{f:NAME}`` filled in."""
    import os
    import re

    arg = arg.replace("{tmp}", str(tmp))
    return re.sub(r"\{f:([^}]+)\}", lambda m: os.path.join(str(tmp), m.group(1)), arg)


# (argv, a substring the one-line error must contain)
CLI: list[tuple[list[str], str]] = []


def _each(prefix: list[str], option: str, values: list[str], needle: str | None = None) -> None:
    for v in values:
        CLI.append(([*prefix, option, v], needle or option))


NUM = ["nan", "inf", "-inf", "abc", ""]
POS = [*NUM, "0", "-1"]
INT = [*POS, "1.5", "1e400"]
LIST = ["nan", "inf", "3,,6", "", ",", "-3", "0", "a,b", "3;6", "1e400"]

# the DeepNVM++ studies
for verb in (["sweep-l2"], ["iso-capacity"], ["batch-size"], ["iso-area"], ["scalability"]):
    _each(verb, "--node", POS)
    _each(verb, "--workers", ["0", "-2", "nan", "1.5", "100000", "two"])
    _each(verb, "--scheduler", ["not-an-address", "tcp://", "host:0", "host:99999", ""])
    _each(verb, "--tech", ["", "sram,,stt", "sram,sram"])
_each(["sweep-l2"], "--l2", LIST)
_each(["sweep-l2"], "--batch", INT)
_each(["scalability"], "--l2", LIST)
_each(["iso-capacity"], "--l2", [*POS, "3XB"])
_each(["batch-size"], "--l2", POS)
_each(["batch-size"], "--batches", ["1,,2", "0", "1.5", "nan", "-4", ""])
_each(["iso-capacity"], "--inference-batch", INT)
_each(["iso-capacity"], "--training-batch", INT)
_each(["iso-capacity"], "--phases", ["", "inference,,training", "testing"])
_each(["iso-area"], "--reference-MB", POS)
_each(["iso-area"], "--capacities", ["stt:7", "stt:nan,sot:10", "stt:inf,sot:10", "stt:-1,sot:10", "stt,sot", "xyz:3,stt:7,sot:10", "stt:7,stt:8,sot:1", ":7"])
CLI += [
    (["sweep-l2", "--out", "{f:a_file}"], "--out"),
    (["sweep-l2", "--csv", "{tmp}"], "--csv"),
    (["sweep-l2", "--store", "{f:a_file}"], "--store"),
    (["sweep-l2", "--from-profile", "{f:ncu_ok.csv}", "--l2", "3,6"], "l2_MB"),
    (["sweep-l2", "--from-profile", "{f:ncu_negative.csv}"], "impossible count"),
    (["sweep-l2", "--from-profile", "{f:ncu_no_dram.csv}"], "dram read sectors"),
    (["sweep-l2", "--from-profile", "{f:ncu_partial.csv}"], "'j'"),
    (["sweep-l2", "--from-profile", "{f:ncu_no_value.csv}"], "Metric Value"),
    (["sweep-l2", "--from-profile", "{f:empty.csv}"], "empty.csv"),
    (["sweep-l2", "--from-profile", "{tmp}/missing.csv"], "missing.csv"),
    (["sweep-l2", "--network", "nosuchnet"], "nosuchnet"),
    (["sweep-l2", "--chip", "{f:chip_nan.toml}"], "read_latency_ns"),
    (["sweep-l2", "--chip", "{f:chip_inf.toml}"], "write_latency_ns"),
    (["sweep-l2", "--chip", "{f:chip_neg.toml}"], "n_sms"),
    (["sweep-l2", "--chip", "{f:chip_str.toml}"], "core_MHz"),
    (["sweep-l2", "--chip", "{f:chip_syntax.toml}"], "TOML"),
    (["sweep-l2", "--tech", "{f:cell_no_set.toml}"], "set_latency_ns"),
    (["sweep-l2", "--tech", "{f:cell_nan.toml}"], "read_energy_pJ"),
    (["sweep-l2", "--dram", "ddr9"], "ddr9"),
    (["sweep-l2", "--mode", "slow"], "--mode"),
]

# simulate
SIM = ["simulate", "--pattern", "random"]
_each(SIM, "--accesses", INT)
_each(SIM, "--sms", INT)
_each(SIM, "--write-fraction", [*NUM, "1.5", "-0.1"])
_each(SIM, "--footprint-MB", POS)
_each(SIM, "--stride-B", INT)
_each(SIM, "--l2", LIST)
_each(SIM, "--seed", ["-1", "nan", "1.5", "x"])
_each(SIM, "--tech", ["sram=nan/1", "sram=1/inf", "sram=-1/1", "sram=0/1", "sram=1", "=1/1", "sram=a/b", "sram=1/1,sram=2/2", ""])
_each(["simulate", "--network", "alexnet"], "--batch", INT)
CLI += [
    (["simulate", "--chip", "{f:chip_nan.toml}"], "read_latency_ns"),
    (["simulate", "--trace", "{f:junk.parquet}"], "junk.parquet"),
    (["simulate", "--trace", "{tmp}/missing.parquet"], "missing.parquet"),
    (["simulate", "--l2", "0.01"], "l2_MB"),
]

# tech
_each(["tech", "table"], "--capacities", LIST)
_each(["tech", "table"], "--node", POS)
_each(["tech", "table"], "--assoc", INT)
_each(["tech", "table"], "--line", INT)
CLI += [(["tech", "table", "--assoc", "3"], "assoc: must be a power of two"),
        (["tech", "table", "--line", "100"], "line_B: must be a power of two")]
_each(["tech", "table"], "--temperature", POS)
_each(["tech", "table"], "--targets", ["", "bogus", "read_latency,,area", "edp"], "targets")
_each(["tech", "table"], "--cells", ["", "sram,,stt", "nosuchcell", "{f:cell_no_set.toml}", "{f:cell_inf.toml}"], "cell")
_each(["tech", "iso-area"], "--area", POS)
_each(["tech", "iso-area"], "--reference", ["sram", "sram:", "sram:nanMB", "sram:-3MB", "sram:3XB", "sram:infMB"])
_each(["tech", "nvsim-inputs", "--cell", "stt28", "--out", "{tmp}/n"], "--capacity", ["512", "nan", "512XB", "-512KB", "384KB", "0KB"], "capacity")
_each(["tech", "nvsim-inputs", "--cell", "stt28", "--capacity", "512KB", "--out", "{tmp}/n"], "--node", INT)
CLI += [
    (["tech", "nvsim-inputs", "--cell", "stt28", "--capacity", "512KB", "--out", "{f:a_file}"], "--out"),
    (["tech", "nvsim-compare", "tests/data/nvsim_28nm/stt28_512KB_ram.out", "--cell", "sram28", "--node", "28"], "contradicts"),
    (["tech", "nvsim-compare", "tests/data/nvsim_28nm/stt28_512KB_ram.out", "--cell", "stt28", "--node", "nan"], "--node"),
    (["tech", "nvsim-compare", "{f:a_file}", "--cell", "stt28", "--node", "28"], "a_file"),
]

# scratchpad
SP = ["scratchpad", "iso-capacity"]
_each(SP, "--capacities", LIST)
_each(SP, "--batch", INT)
_each(SP, "--split", ["1,,1", "nan,1,1", "-1,1,1", "inf,1,1"])
_each(["scratchpad", "iso-area"], "--areas", LIST)
_each(["scratchpad", "layers"], "--capacity", POS)
_each(["scratchpad", "gemm", "4", "4"], "--rows", INT)
CLI += [(["scratchpad", "gemm", "0", "4", "4"], "M"), (["scratchpad", "gemm", "4", "nan", "4"], "N"),
        (["scratchpad", "iso-capacity", "--networks", ""], "--networks")]

# mtj
_each(["mtj", "wer"], "--pulses", LIST)
_each(["mtj", "wer"], "--n", INT)
_each(["mtj", "wer"], "--voltages", ["nan", "1,,2", "-1", "0"])
_each(["mtj", "switching"], "--delta", POS)
_each(["mtj", "switching"], "--n-voltages", INT)
_each(["mtj", "lowcost"], "--target-wer", [*NUM, "2", "-0.1"])
_each(["mtj", "lowcost"], "--baseline-wer", [*NUM, "2"])

# training with write errors, hetero arrays
_each(["train-with-errors"], "--wer", ["nan", "2", "-1", "1e-4,,1e-2", ""])
_each(["train-with-errors"], "--epochs", INT)
_each(["train-with-errors"], "--batch-size", INT)
_each(["train-with-errors"], "--lr", POS)
_each(["train-with-errors"], "--bits", ["", "nope", "low:x", "low:-1"], "bits")
_each(["hetero-energy"], "--wer", ["abc", "nan", "2", ""])
_each(["hetero-energy"], "--protected-bits", ["-1", "33", "nan", "1.5"])

# traces and workloads
_each(["trace", "gen", "--network", "lenet5", "--out", "{tmp}/t.parquet"], "--batch", INT)
_each(["trace", "gen", "--network", "lenet5", "--out", "{tmp}/t.parquet"], "--chunk-size", INT)
_each(["trace", "import", "accelsim", "{f:a_file}", "--out", "{tmp}/t.parquet"], "--sms", INT)
CLI += [
    (["trace", "gen", "--network", "lenet5", "--out", "{tmp}"], "--out"),
    (["trace", "import", "ncu", "{f:ncu_no_value.csv}"], "Metric Value"),
    (["trace", "import", "ncu", "{f:ncu_inf.csv}"], "not a count: 'inf'"),
    (["trace", "import", "ncu", "{f:ncu_nan.csv}"], "not a count: 'nan'"),
    (["trace", "import", "ncu", "{f:ncu_text.csv}"], "not a count"),
    (["trace", "import", "ncu", "{f:ncu_no_metrics.csv}"], "no L2 or DRAM"),
    (["trace", "import", "nvprof", "{f:nvprof_neg.csv}"], "impossible count"),
    (["trace", "import", "nvprof", "{f:nvprof_inv.csv}"], "Invocations"),
    (["trace", "info", "{f:junk.parquet}"], "junk.parquet"),
]
_each(["workloads", "show", "alexnet"], "--batch", INT)
_each(["workloads", "show", "bert_base"], "--seq-len", INT)
CLI += [(["workloads", "show", "alexnet", "--dtype", "fp7"], "fp7"), (["workloads", "show", "nosuchnet"], "nosuchnet")]

# reproduce
_each(["reproduce", "deepnvm"], "--inference-batch", INT)
_each(["reproduce", "deepnvm"], "--workers", ["0", "nan", "100000"])
CLI += [(["reproduce", "deepnvm", "--out", "{f:a_file}"], "--out"),
        (["reproduce", "deepnvm", "--networks", "alexnet,,vgg16"], "--networks"),
        (["reproduce", "deepnvm", "--time-basis", "wall"], "--time-basis")]


# --------------------------------------------------------------------------------------------------------------
# The API: (label, call, a substring of the NvmsimError's message).  Calls are lambdas so that importing this
# table imports nothing heavy.
# --------------------------------------------------------------------------------------------------------------

INF, NAN = float("inf"), float("nan")


def _np():
    import numpy as np

    return np


def _tech_table(**kw):
    from models import tech_table

    return tech_table(**{"cells": ["sram"], "capacities_MB": [1], **kw})


def _simulate(chunks=None, **kw):
    from simulator import simulate_gpu
    from traces.synthetic import synthetic_chunks

    if chunks is None:
        chunks = synthetic_chunks("random", 1000)
    return simulate_gpu(chunks, "gtx1080ti-deepnvm", **kw)


def _cache_access(addr, **kw):
    from simulator import Cache

    return Cache(32768, 128, 4).access(addr, **kw)


def _empty_trace():
    from traces.chunk import TraceChunk

    np = _np()
    return [TraceChunk(np.zeros(0, np.uint64), np.zeros(0, bool), np.zeros(0, np.int32), np.zeros(0, np.int32))]


def _study(name, *args, **kw):
    from simulator.studies import deepnvm

    return getattr(deepnvm, name)(*args, **kw)


def _chip(**overrides):
    from simulator import load_chip

    return load_chip("gtx1080ti-deepnvm", overrides=overrides)


def _synthetic(**kw):
    from traces.synthetic import synthetic_chunks

    return list(synthetic_chunks(**{"pattern": "random", "n_accesses": 100, **kw}))


def _network_trace(**kw):
    from traces import network_trace

    return network_trace(**{"net_or_name": "lenet5", **kw})


API: list[tuple[str, object, str]] = [
    ("tech_table capacity inf", lambda: _tech_table(capacities_MB=[INF]), "capacities_MB"),
    ("tech_table capacity nan", lambda: _tech_table(capacities_MB=[NAN]), "capacities_MB"),
    ("tech_table capacity -1", lambda: _tech_table(capacities_MB=[-1]), "capacities_MB"),
    ("tech_table capacity text", lambda: _tech_table(capacities_MB=["three"]), "capacities_MB"),
    ("tech_table capacities None", lambda: _tech_table(capacities_MB=None), "capacities_MB"),
    ("tech_table capacities empty", lambda: _tech_table(capacities_MB=[]), "capacities_MB"),
    ("tech_table node nan", lambda: _tech_table(node_nm=NAN), "node_nm"),
    ("tech_table node inf", lambda: _tech_table(node_nm=INF), "node_nm"),
    ("tech_table node string", lambda: _tech_table(node_nm="16"), "node_nm"),
    ("tech_table temperature nan", lambda: _tech_table(temperature_K=NAN), "temperature_K"),
    ("tech_table assoc 1.5", lambda: _tech_table(assoc=1.5), "assoc"),
    ("tech_table assoc inf", lambda: _tech_table(assoc=INF), "assoc"),
    ("tech_table line nan", lambda: _tech_table(line_B=NAN), "line_B"),
    ("tech_table cells empty", lambda: _tech_table(cells=[]), "cells"),
    ("tech_table cells None", lambda: _tech_table(cells=None), "cells"),
    ("load_cell area nan", lambda: __import__("models").load_cell({"name": "x", "mem_type": "sram", "node_nm": 16, "area_F2": NAN}), "area_F2"),
    ("load_cell node inf", lambda: __import__("models").load_cell({"name": "x", "mem_type": "sram", "node_nm": INF, "area_F2": 100}), "node_nm"),
    ("load_cell mram missing write", lambda: __import__("models").load_cell({"name": "x", "mem_type": "mram", "node_nm": 16, "area_F2": 40}), "set_latency_ns"),
    ("load_cell number", lambda: __import__("models").load_cell(3), "cell"),
    ("design_point capacity nan", lambda: __import__("models").design_point("sram", NAN), "capacities_MB"),
    ("iso_area reference nan", lambda: __import__("models").iso_area(reference_MB=NAN), "capacities_MB"),
    ("area_budget inf", lambda: __import__("models").area_budget_capacity("stt", INF), "area_mm2"),
    ("area_budget nan", lambda: __import__("models").area_budget_capacity("stt", NAN), "area_mm2"),
    ("load_chip l2 nan", lambda: _chip(l2={"read_latency_ns": NAN}), "l2.read_latency_ns"),
    ("load_chip l2 inf", lambda: _chip(l2={"write_latency_ns": INF}), "l2.write_latency_ns"),
    ("load_chip sms 0", lambda: _chip(n_sms=0), "n_sms"),
    ("load_chip sms 1.5", lambda: _chip(n_sms=1.5), "n_sms"),
    ("load_chip clock string", lambda: _chip(clocks={"core_MHz": "1"}), "core_MHz"),
    ("load_chip l2_MB nan", lambda: __import__("simulator").load_chip("gtx1080ti-deepnvm", l2_MB=NAN), "l2_MB"),
    ("simulate l2 inf", lambda: _simulate(l2_MB=[INF]), "l2_MB"),
    ("simulate l2 nan", lambda: _simulate(l2_MB=NAN), "l2_MB"),
    ("simulate l2 empty", lambda: _simulate(l2_MB=[]), "l2_MB"),
    ("simulate l2 string", lambda: _simulate(l2_MB="3,6"), "l2_MB"),
    ("simulate tech nan", lambda: _simulate(tech={"sram": {"read_latency_ns": NAN, "write_latency_ns": 1}}), "read_latency_ns"),
    ("simulate tech -1", lambda: _simulate(tech={"sram": {"read_latency_ns": 1, "write_latency_ns": -1}}), "write_latency_ns"),
    ("simulate tech empty", lambda: _simulate(tech={}), "tech"),
    ("simulate mode", lambda: _simulate(mode="slow"), "mode"),
    ("simulate empty trace", lambda: _simulate(_empty_trace()), "empty"),
    ("simulate no chunks", lambda: _simulate([]), "empty"),
    ("simulate not chunks", lambda: _simulate([1, 2, 3]), "chunk"),
    ("Cache.access negative", lambda: _cache_access(_np().array([-128])), "addr"),
    ("Cache.access nan", lambda: _cache_access(_np().array([NAN])), "addr"),
    ("Cache.access float", lambda: _cache_access(_np().array([128.5])), "addr"),
    ("Cache.access list negative", lambda: _cache_access([0, -1]), "addr"),
    ("Cache.access string", lambda: _cache_access(["a"]), "addr"),
    ("Cache.access 2-D", lambda: _cache_access(_np().zeros((2, 2), _np().uint64)), "addr"),
    ("Cache.access is_write length", lambda: _cache_access([0, 128], is_write=[True]), "is_write"),
    ("Cache capacity nan", lambda: __import__("simulator").Cache(NAN, 128, 4), "capacity_B"),
    ("Cache ways 0", lambda: __import__("simulator").Cache(32768, 128, 0), "ways"),
    ("synthetic n -1", lambda: _synthetic(n_accesses=-1), "n_accesses"),
    ("synthetic n nan", lambda: _synthetic(n_accesses=NAN), "n_accesses"),
    ("synthetic write fraction 2", lambda: _synthetic(write_fraction=2.0), "write_fraction"),
    ("synthetic write fraction nan", lambda: _synthetic(write_fraction=NAN), "write_fraction"),
    ("synthetic footprint inf", lambda: _synthetic(footprint_B=INF), "footprint_B"),
    ("synthetic sms 0", lambda: _synthetic(n_sms=0), "n_sms"),
    ("network_trace batch 0", lambda: _network_trace(batch=0), "batch"),
    ("network_trace batch nan", lambda: _network_trace(batch=NAN), "batch"),
    ("network_trace batch inf", lambda: _network_trace(batch=INF), "batch"),
    ("network_trace phase", lambda: _network_trace(phase="testing"), "phase"),
    ("sweep_l2 l2 inf", lambda: _study("sweep_l2", l2_MB=[INF]), "l2_MB"),
    ("sweep_l2 l2 nan", lambda: _study("sweep_l2", l2_MB=[3, NAN]), "l2_MB"),
    ("sweep_l2 l2 empty", lambda: _study("sweep_l2", l2_MB=[]), "l2_MB"),
    ("sweep_l2 batch nan", lambda: _study("sweep_l2", batch=NAN), "batch"),
    ("sweep_l2 batch inf", lambda: _study("sweep_l2", batch=INF), "batch"),
    ("sweep_l2 batch 0", lambda: _study("sweep_l2", batch=0), "batch"),
    ("sweep_l2 node nan", lambda: _study("sweep_l2", node_nm=NAN), "node_nm"),
    ("sweep_l2 workers 0", lambda: _study("sweep_l2", workers=0), "workers"),
    ("sweep_l2 workers many", lambda: _study("sweep_l2", workers="many"), "workers"),
    ("sweep_l2 cells comma string", lambda: _study("sweep_l2", cells="sram,stt"), "unknown cell"),
    ("sweep_l2 unknown option", lambda: _study("sweep_l2", colour="red"), "colour"),
    ("sweep_l2 profile two capacities", lambda: _study("sweep_l2", from_profile="x.csv", l2_MB=[3, 6]), "l2_MB"),
    ("iso_capacity capacity nan", lambda: _study("iso_capacity", ["alexnet"], [("inference", 1)], capacity_MB=NAN), "capacity_MB"),
    ("iso_capacity batch nan", lambda: _study("iso_capacity", ["alexnet"], [("inference", NAN)]), "batch"),
    ("batch_size batches 1.5", lambda: _study("batch_size", "alexnet", [1.5]), "batch"),
    ("scalability capacity inf", lambda: _study("scalability", ["alexnet"], [("inference", 1)], capacities_MB=[INF]), "l2_MB"),
    ("iso_area capacities nan", lambda: _study("iso_area", ["alexnet"], [("inference", 1)], capacities={"stt": NAN, "sot": 10}), "capacities"),
    ("iso_area capacities missing", lambda: _study("iso_area", ["alexnet"], [("inference", 1)], capacities={"stt": 7}), "sot"),
    ("run_grid workers 0", lambda: __import__("simulator.studies.runner", fromlist=["x"]).run_grid([], list, workers=0), "workers"),
    ("run_grid scheduler", lambda: __import__("simulator.studies.runner", fromlist=["x"]).run_grid([], list, scheduler=3), "scheduler"),
    ("dram_spec unknown", lambda: __import__("models.energy", fromlist=["x"]).dram_spec("ddr9"), "ddr9"),
    ("wer_fpe delta nan", lambda: __import__("models.mtj", fromlist=["x"]).wer_fpe(NAN, 2.0, 4.0), "delta"),
    ("wer_fpe pulse inf", lambda: __import__("models.mtj", fromlist=["x"]).wer_fpe(55, 2.0, INF), "pulse"),
    ("switching_study pulses nan", lambda: __import__("simulator.studies.mtj", fromlist=["x"]).switching_study([NAN], n=10), "pulses_ns"),
    ("wer_study pulses huge", lambda: __import__("simulator.studies.mtj", fromlist=["x"]).wer_study("mc", [1e6], n=10), "pulses_ns"),
    ("lowcost_study wer nan", lambda: __import__("simulator.studies.mtj", fromlist=["x"]).lowcost_study(target_wer=NAN), "target_wer"),
    ("scratchpad capacities nan", lambda: __import__("simulator.studies.scratchpad", fromlist=["x"]).scratchpad_study(["vgg16:cifar100"], "iso_capacity", capacities_MB=[NAN]), "capacities_MB"),
    ("scratchpad batch 0", lambda: __import__("simulator.studies.scratchpad", fromlist=["x"]).scratchpad_study(["vgg16:cifar100"], "iso_capacity", capacities_MB=[1], batch=0), "batch"),
    ("gemm_table M 0", lambda: __import__("simulator.studies.scratchpad", fromlist=["x"]).gemm_table(0, 4, 4), "M"),
    ("gemm_table M nan", lambda: __import__("simulator.studies.scratchpad", fromlist=["x"]).gemm_table(NAN, 4, 4), "M"),
    ("hetero wer nan", lambda: __import__("simulator.studies.write_errors", fromlist=["x"]).hetero_energy([NAN]), "wer"),
    ("training wer 2", lambda: __import__("simulator.studies.write_errors", fromlist=["x"]).training_with_errors(wers=[2.0], epochs=1), "wer"),
    ("training epochs nan", lambda: __import__("simulator.studies.write_errors", fromlist=["x"]).training_with_errors(wers=[0], epochs=NAN), "epochs"),
    ("zoo batch nan", lambda: __import__("workloads.zoo", fromlist=["x"]).get("alexnet").ops(phase="inference", batch=NAN), "batch"),
    ("zoo seq_len 0", lambda: __import__("workloads.zoo", fromlist=["x"]).get("bert_base", seq_len=0), "seq_len"),
]

#: Calls that must succeed: numpy scalars are numbers like any other.
API_OK: list[tuple[str, object]] = [
    ("tech_table numpy int capacity", lambda: _tech_table(capacities_MB=[_np().int64(1)])),
    ("tech_table numpy float node", lambda: _tech_table(node_nm=_np().float32(16))),
    ("tech_table scalar capacity", lambda: _tech_table(capacities_MB=1)),
    ("tech_table one cell name", lambda: _tech_table(cells="sram")),
    ("simulate numpy capacity", lambda: _simulate(l2_MB=[_np().int64(3), _np().float64(6)])),
    ("load_chip numpy sms", lambda: _chip(n_sms=_np().int64(14))),
    ("Cache.access numpy ints", lambda: _cache_access(_np().array([0, 128, 256], dtype=_np().int64))),
    ("synthetic numpy count", lambda: _synthetic(n_accesses=_np().int32(100))),
]
