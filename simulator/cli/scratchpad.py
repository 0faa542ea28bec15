"""``nvmsim scratchpad iso-capacity | iso-area | layers | gemm``: the systolic accelerator's scratchpad studies.

Thin verbs over :mod:`simulator.studies.scratchpad`: parse, call one function returning a DataFrame, print it,
and with ``--out DIR`` write ``DIR/scratchpad_iso_capacity.csv`` (or ``_iso_area``) and PNG plots.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli._common import add_output_options, emit, parse_float_list, parse_str_list, positive_int, size

SHOWN = ["network", "dataset", "technology", "capacity_MB", "area_mm2", "dram_accesses", "cycles",
         "energy_dram_J", "energy_read_J", "energy_write_J", "energy_leakage_J", "energy_compute_J",
         "energy_total_J", "improvement"]
DEFAULT_NETWORKS = "vgg16:cifar100"


def _common(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--networks", default=DEFAULT_NETWORKS,
                   help=f"name:dataset pairs, comma-separated (default {DEFAULT_NETWORKS})")
    p.add_argument("--technologies", default="sram28,stt28",
                   help="technologies, comma-separated: table names (stt28_low_v / stt28_low_dur are low-cost "
                        "writes), 'hetero:A+B' (sign+exponent on A, mantissa on B), 'A/W/E' (one per buffer); "
                        "default sram28,stt28, the first sram* is the baseline")
    p.add_argument("--batch", type=positive_int, default=512, help="mini-batch size (default 512, as the paper)")
    p.add_argument("--preset", default="systolic-256", help="accelerator preset name or TOML file")
    p.add_argument("--table", type=Path, default=None,
                   help="technology table CSV/Parquet (default: nvmsim's circuit model at 28 nm, RAM mode)")
    p.add_argument("--layers", action="store_true", help="also write the per-layer table (DIR/NAME_layers.csv)")
    _accel_options(p)
    add_output_options(p, default_name=name)


def _accel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", default=None,
                   help="activation,weight,error shares of the capacity (default 1,1,1: a third each)")
    p.add_argument("--eviction", default=None, help="eviction policy: paper (default), dead_first, belady")
    p.add_argument("--overlap-dram", action="store_true",
                   help="overlap DMA with compute (default: sequential, the paper's assumption 2)")
    p.add_argument("--overlap-folds", action="store_true", help="overlap fill/drain of consecutive folds")


def _accelerator(args):
    from simulator.systolic.accelerator import load_accelerator

    over: dict = {"scratchpad": {}, "array": {}, "dram": {}}
    if args.split is not None:
        over["scratchpad"]["split"] = parse_float_list(args.split, "--split", allow_zero=True)
    if args.eviction is not None:
        over["scratchpad"]["eviction"] = args.eviction
    if args.overlap_dram:
        over["dram"]["overlap"] = True
    if args.overlap_folds:
        over["array"]["overlap_folds"] = True
    return load_accelerator(args.preset, {k: v for k, v in over.items() if v})


def _run(args, mode: str) -> int:
    from simulator.studies.scratchpad import scratchpad_study
    from simulator.studies.scratchpad_plots import save_study_plots
    from simulator.studies.scratchpad_tech import load_table

    table = load_table(args.table) if args.table is not None else None
    nets = parse_str_list(args.networks, "--networks")
    kw = {"capacities_MB": parse_float_list(args.capacities, "--capacities", unit="MB", sizes=True)} \
        if mode == "iso_capacity" else {"areas_mm2": parse_float_list(args.areas, "--areas", positive=True,
                                                                       unit="mm^2")}
    df, layers = scratchpad_study(nets, mode, technologies=parse_str_list(args.technologies, "--technologies"),
                                  batch=args.batch,
                                  table=table, accelerator=_accelerator(args), layers=True, **kw)
    name = f"scratchpad_{mode}"
    shown = [c for c in SHOWN if c in df.columns]
    if mode == "iso_area":
        shown.insert(3, "area_budget_mm2")
    emit(df, args, name, columns=shown)
    if args.out is not None:
        from simulator.output import write_table

        save_study_plots(df, args.out, name)
        if args.layers:
            write_table(layers, Path(args.out) / f"{name}_layers.csv")
    return 0


def _layers(args) -> int:
    from simulator.studies.scratchpad import layer_study
    from simulator.studies.scratchpad_tech import load_table

    table = load_table(args.table) if args.table is not None else None
    df = layer_study(args.network, capacity_MB=args.capacity, technology=args.technology, batch=args.batch,
                     table=table, accelerator=_accelerator(args))
    emit(df, args, "scratchpad_layers",
         columns=["layer", "macs", "compute_cycles", "cycles", "dram_read_B", "dram_write_B", "energy_total_J"])
    return 0


def _gemm(args) -> int:
    from simulator.studies.scratchpad import gemm_table

    df = gemm_table(args.M, args.N, args.K, rows=args.rows, cols=args.cols, dataflow=args.dataflow)
    emit(df, args, "gemm")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("scratchpad", help="systolic training accelerator with SRAM / MRAM scratchpads")
    sub = p.add_subparsers(dest="verb", metavar="VERB")

    c = sub.add_parser("iso-capacity", help="same total scratchpad capacity for every technology")
    c.add_argument("--capacities", default="0.5,1,2,4,8,16,32,64,128,256,512",
                   help="total capacities in MB, comma-separated (default 0.5 ... 512)")
    _common(c, "scratchpad_iso_capacity")
    c.set_defaults(func=lambda a: _run(a, "iso_capacity"))

    a = sub.add_parser("iso-area", help="same total area; each technology's capacity from the circuit model")
    a.add_argument("--areas", default="0.5,1,2,4,8,16,32,48.1,64,128,187",
                   help="total area budgets in mm^2, comma-separated (default 0.5 ... 187)")
    _common(a, "scratchpad_iso_area")
    a.set_defaults(func=lambda a_: _run(a_, "iso_area"))

    lay = sub.add_parser("layers", help="per-layer counts and energy of one training step")
    lay.add_argument("--network", default=DEFAULT_NETWORKS, help=f"name:dataset (default {DEFAULT_NETWORKS})")
    lay.add_argument("--capacity", type=size("MB"), default=24.0,
                     help="total scratchpad capacity in MB (default 24; 512KB, 1GB also work)")
    lay.add_argument("--technology", default="sram28", help="technology (default sram28)")
    lay.add_argument("--batch", type=positive_int, default=512)
    lay.add_argument("--preset", default="systolic-256")
    lay.add_argument("--table", type=Path, default=None)
    _accel_options(lay)
    add_output_options(lay, default_name="scratchpad_layers")
    lay.set_defaults(func=_layers)

    g = sub.add_parser("gemm", help="cycles, folds and operand accesses of one GEMM on the array")
    g.add_argument("M", type=positive_int)
    g.add_argument("N", type=positive_int)
    g.add_argument("K", type=positive_int)
    g.add_argument("--rows", type=positive_int, default=256)
    g.add_argument("--cols", type=positive_int, default=256)
    g.add_argument("--dataflow", choices=("os", "ws", "is"), default="os")
    add_output_options(g, default_name="gemm")
    g.set_defaults(func=_gemm)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
