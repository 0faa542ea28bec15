"""``nvmsim sweep-l2 | iso-capacity | batch-size | iso-area | scalability``: the DeepNVM++ studies.

Each verb parses its options, calls one function of
:mod:`simulator.studies.deepnvm` and prints / writes the table; with
``--out DIR`` it also writes Parquet and a PNG and keeps per-point results
in ``DIR/points`` so that a killed run resumes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli._common import (
    add_output_options,
    add_parallel_options,
    add_sampling_option,
    emit,
    number,
    output_dir,
    parse_float_list,
    parse_str_list,
    positive_int,
    size,
)
from simulator.startup import import_settled
from simulator.studies.figure_worker import Plot

SWEEP_SHOWN = ["network", "phase", "batch", "technology", "l2_MB", "mode", "dram_reads", "dram_writes",
               "dram_accesses", "dram_reduction_pct", "l2_reads", "l2_writes", "l2_hit_rate", "cycles",
               "l2_energy_nJ", "total_energy_nJ", "edp_l2_Js", "edp_Js"]
NORM_SHOWN = ["network", "phase", "batch", "technology", "l2_MB", "l2_dynamic_nJ_norm", "l2_leakage_nJ_norm",
              "l2_energy_nJ_norm", "total_energy_nJ_norm", "edp_l2_Js_norm", "edp_Js_norm", "dram_accesses_norm"]


def _common(p: argparse.ArgumentParser, name: str, *, tech_default: str = "sram,stt,sot") -> None:
    p.add_argument("--chip", default="gtx1080ti-deepnvm", help="chip preset (default gtx1080ti-deepnvm)")
    p.add_argument("--tech", default=tech_default, help=f"technologies (cells), comma-separated ({tech_default})")
    p.add_argument("--mode", choices=("fast", "timed"), default="fast",
                   help="fast: counts once per capacity for all technologies; timed: technology latencies shape "
                        "the traffic (default fast)")
    p.add_argument("--node", type=number(positive=True, unit="nm"), default=16,
                   help="technology node in nm for the circuit model (default 16)")
    p.add_argument("--dram", default=None, help="DRAM type for energy (default: the chip's, e.g. gddr5x)")
    p.add_argument("--time-basis", choices=("paper", "sim"), default="paper",
                   help="execution time for leakage and EDP: the paper's transaction latencies or the simulator's "
                        "cycles (default paper)")
    p.add_argument("--store", type=output_dir, default=None,
                   help="per-point result store for resume (default DIR/points with --out)")
    add_sampling_option(p)
    add_parallel_options(p)
    add_output_options(p, default_name=name)


def _networks(p: argparse.ArgumentParser) -> None:
    p.add_argument("--networks", default="alexnet,googlenet,vgg16,resnet18,squeezenet",
                   help="networks, comma-separated (default: the paper's five)")
    p.add_argument("--inference-batch", type=positive_int, default=4, help="inference batch (default 4, as the paper)")
    p.add_argument("--training-batch", type=positive_int, default=64, help="training batch (default 64, as the paper)")
    p.add_argument("--phases", default="inference,training", help="phases (default inference,training)")


def _runtime(args) -> dict:
    store = args.store
    if store is None and args.out is not None:
        store = Path(args.out) / "points"
    return {"chip": args.chip, "mode": args.mode, "node_nm": args.node, "dram": args.dram,
            "time_basis": args.time_basis, "store": store, "workers": args.workers, "scheduler": args.scheduler,
            "sample_sets": args.sample_sets}


def _phases(args) -> list[tuple[str, int]]:
    batches = {"inference": args.inference_batch, "training": args.training_batch}
    out = []
    for ph in parse_str_list(args.phases, "--phases"):
        if ph not in batches:
            from models.errors import ConfigError

            raise ConfigError("--phases", f"must be inference and/or training, got {ph!r}")
        out.append((ph, batches[ph]))
    return out


def _cells(args) -> list[str]:
    return parse_str_list(args.tech, "--tech")


def _capacities(text: str, field: str = "--l2") -> list[float]:
    """L2 capacities in MB (a bare number is MB; ``512KB`` and ``1GB`` are converted)."""
    return parse_float_list(text, field, unit="MB", sizes=True)


def _warm_kernels(args):
    """A helper compiling the chip's cache kernels beside the study (:mod:`simulator.gpu.warmup`), in fast mode;
    None where it would not gain or the chip does not load (the study then says why)."""
    if args.mode != "fast":
        return None
    from simulator.gpu import warmup

    try:
        from simulator.gpu.chip import load_chip

        chip = load_chip(args.chip)
    except Exception:  # noqa: BLE001 - the study reports a bad chip with its own error
        return None
    return warmup.start(chip, args.sample_sets)


def _with_helpers(verb):
    """``verb`` with its helpers started first: a figure worker (:mod:`simulator.studies.figure_worker`) when it
    writes a PNG, so that matplotlib loads while the study runs (a worker not handed a figure is ended with the
    verb), and, on a cold kernel cache, the kernel warm-up (:mod:`simulator.gpu.warmup`)."""

    def run(args) -> int:
        from simulator.studies.figure_worker import FigureWorker

        # the figure worker first: it is a warm run's longest path (its imports and the drawing), and anything of
        # simulator.gpu (the warm-up check) imports numpy, pandas and Numba first, about a second
        args.figure_worker = FigureWorker.start() if args.out is not None else None
        import_settled("simulator.studies.deepnvm")  # numpy, pandas, Numba, the engine: out of the collector's way
        from simulator.studies.runner import deferred_store_writes  # (imported already, with the studies)

        warming = _warm_kernels(args)
        try:
            with deferred_store_writes():  # the last points stored while the figure is drawn (_write)
                return verb(args)
        finally:
            if args.figure_worker is not None:
                args.figure_worker.close()
            from simulator.gpu.warmup import stop  # (imported already, with the engine)

            stop(warming)

    run.__name__ = verb.__name__
    return run


def _write(df, args, name: str, shown, figure=None) -> None:
    from simulator.output import write_table
    from simulator.studies.runner import flush_store_writes

    worker = getattr(args, "figure_worker", None)
    png = Path(args.out) / f"{name}.png" if args.out is not None else None
    handed = png is not None and figure is not None and len(df) > 0 and worker is not None and worker.submit(
        figure, df, png)
    emit(df, args, name, columns=[c for c in (*shown, "sample_sets", "dram_accesses_rse") if c in df.columns])
    if args.out is not None:
        write_table(df, Path(args.out) / f"{name}.parquet")
        flush_store_writes()  # the study's last points, while the worker draws
        if figure is not None and len(df) and not (handed and worker.wait()):
            from simulator.output import save_figure

            save_figure(figure(df), png)


def _header(args, text: str) -> None:
    if not args.quiet:
        print(f"# {text}")


def _sweep_l2(args) -> int:
    from simulator.studies import deepnvm

    l2 = _capacities(args.l2) if args.l2 is not None else None
    df = deepnvm.sweep_l2(args.network, args.phase, args.batch, l2_MB=l2, cells=_cells(args), dataset=args.dataset,
                          from_profile=args.from_profile, **_runtime(args))
    caps = ", ".join(f"{c:g}" for c in sorted(set(df["l2_MB"]))) if len(df) else "-"
    what = (f"measured counts from {args.from_profile}" if args.from_profile is not None else
            f"{df['network'].iloc[0]} {df['phase'].iloc[0]} batch {df['batch'].iloc[0]}" if len(df) else "")
    _header(args, f"sweep-l2: {what} on {args.chip}, L2 {caps} MB, mode {df['mode'].iloc[0] if len(df) else '-'}")
    _write(df, args, "sweep_l2", SWEEP_SHOWN, Plot("dram_reduction"))
    return 0


def _iso_capacity(args) -> int:
    from simulator.studies import deepnvm

    df = deepnvm.iso_capacity(parse_str_list(args.networks, "--networks"), _phases(args), capacity_MB=args.l2,
                              cells=_cells(args), **_runtime(args))
    panels = {"dynamic energy": "l2_dynamic_nJ_norm", "leakage energy": "l2_leakage_nJ_norm",
              "total energy": "total_energy_nJ_norm", "EDP (with DRAM)": "edp_Js_norm"}
    _header(args, f"iso-capacity: L2 {args.l2:g} MB")
    _write(df, args, "iso_capacity", NORM_SHOWN,
           Plot("normalised_bars", panels=panels, title=f"Iso-capacity ({args.l2:g} MB)", log=True))
    return 0


def _batch_size(args) -> int:
    from simulator.studies import deepnvm

    batches = parse_float_list(args.batches, "--batches", integer=True, positive=True)
    df = deepnvm.batch_size(args.network, batches, parse_str_list(args.phases, "--phases"), capacity_MB=args.l2,
                            cells=_cells(args), **_runtime(args))
    _header(args, f"batch-size: L2 {args.l2:g} MB")
    _write(df, args, "batch_size", NORM_SHOWN, Plot("batch_edp"))
    return 0


def iso_area_capacities(text: str | None, cells: list[str]) -> dict[str, float] | None:
    """``--capacities stt:7,sot:10`` (MB, or with a unit: ``stt:7MB``) → ``{"stt": 7.0, "sot": 10.0}``: one
    capacity for every technology compared, and none for a technology not compared."""
    if not text:
        return None
    from models.errors import ConfigError

    caps: dict[str, float] = {}
    for item in parse_str_list(text, "--capacities"):
        name, sep, val = item.partition(":")
        name = name.strip()
        if not sep or not name:
            raise ConfigError("--capacities", f"each entry must be TECH:CAPACITY such as stt:7, got {item!r}")
        if name in caps:
            raise ConfigError("--capacities", f"gives {name!r} twice")
        caps[name] = _capacities(val, f"--capacities.{name}")[0]
    unknown = [n for n in caps if n not in cells]
    if unknown:
        raise ConfigError("--capacities", f"{', '.join(unknown)} not among the technologies compared "
                                          f"(--tech {','.join(cells)})")
    missing = [c for c in cells if c not in caps]
    if missing:
        given = ",".join(f"{n}:{v:g}" for n, v in caps.items())
        raise ConfigError("--capacities", f"no capacity for {', '.join(missing)}: give one per technology "
                                          f"compared (e.g. {given},{missing[0]}:10) or --tech {','.join(caps)}")
    return caps


def _iso_area(args) -> int:
    from simulator.studies import deepnvm

    cells = _cells(args)
    caps = iso_area_capacities(args.capacities, cells)
    df = deepnvm.iso_area(parse_str_list(args.networks, "--networks"), _phases(args), reference=args.reference,
                          reference_MB=args.reference_MB, capacities=caps, cells=cells, **_runtime(args))
    panels = {"dynamic energy": "l2_dynamic_nJ_norm", "leakage energy": "l2_leakage_nJ_norm",
              "EDP without DRAM": "edp_l2_Js_norm", "EDP with DRAM": "edp_Js_norm"}
    _header(args, f"iso-area: against {args.reference} {args.reference_MB:g} MB")
    _write(df, args, "iso_area", NORM_SHOWN + ["dram_reduction_pct"],
           Plot("normalised_bars", panels=panels, title=f"Iso-area ({args.reference} {args.reference_MB:g} MB)",
                baseline=args.reference, log=True))
    return 0


def _scalability(args) -> int:
    from simulator.studies import deepnvm

    df = deepnvm.scalability(parse_str_list(args.networks, "--networks"), _phases(args),
                             capacities_MB=_capacities(args.l2), cells=_cells(args), **_runtime(args))
    summary = deepnvm.scalability_summary(df)
    _header(args, f"scalability: L2 {', '.join(f'{c:g}' for c in sorted(set(df['l2_MB'])))} MB")
    _write(summary, args, "scalability", list(summary.columns), Plot("scalability_lines"))
    if args.out is not None:
        from simulator.output import write_table

        write_table(df, Path(args.out) / "scalability_points.csv")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("sweep-l2", help="sweep L2 capacity for one network: DRAM-access reduction, energy, EDP",
                              description="The headline study: a network on a chip, L2 capacity swept "
                                          "(default 3,6,12,24 MB) for SRAM/STT/SOT; one row per technology and "
                                          "capacity with DRAM accesses and their reduction, L2 counts, energy, EDP.")
    p.add_argument("--network", default=None,
                   help="zoo network (default alexnet; with --from-profile: the label of the measured rows, "
                        "default the file's name)")
    p.add_argument("--phase", choices=("inference", "training"), default=None,
                   help="phase (default inference; with --from-profile: a label, default none)")
    p.add_argument("--batch", type=positive_int, default=None,
                   help="batch size (default 4; with --from-profile: a label, default none)")
    p.add_argument("--dataset", default=None, help="dataset (default: the network's)")
    p.add_argument("--l2", default=None,
                   help="L2 capacities in MB, comma-separated (a bare number is MB; 512KB, 1GB also work; default "
                        "3,6,12,24; with --from-profile: the measured card's one capacity, default the chip's)")
    p.add_argument("--from-profile", type=Path, default=None,
                   help="Nsight Compute / nvprof CSV export: use its measured counts instead of simulating")
    _common(p, "sweep_l2")
    p.set_defaults(func=_with_helpers(_sweep_l2))

    p = subparsers.add_parser("iso-capacity", help="DeepNVM++ Fig. 3-4: technologies at the same L2 capacity")
    _networks(p)
    p.add_argument("--l2", type=size("MB"), default=3.0, help="capacity in MB (default 3; 512KB, 1GB also work)")
    _common(p, "iso_capacity")
    p.set_defaults(func=_with_helpers(_iso_capacity))

    p = subparsers.add_parser("batch-size", help="DeepNVM++ Fig. 5: iso-capacity EDP across batch sizes")
    p.add_argument("--network", default="alexnet")
    p.add_argument("--batches", default="1,2,4,8,16,32,64,128,256", help="batch sizes (default 1..256)")
    p.add_argument("--phases", default="inference,training")
    p.add_argument("--l2", type=size("MB"), default=3.0, help="capacity in MB (default 3; 512KB, 1GB also work)")
    _common(p, "batch_size")
    p.set_defaults(func=_with_helpers(_batch_size))

    p = subparsers.add_parser("iso-area", help="DeepNVM++ Fig. 6-8: MRAM at the capacity fitting the SRAM's area")
    _networks(p)
    p.add_argument("--reference", default="sram", help="reference cell (default sram)")
    p.add_argument("--reference-MB", type=size("MB"), default=3.0, help="reference capacity in MB (default 3)")
    p.add_argument("--capacities", default=None,
                   help="override the circuit model's iso-area solver: one TECH:MB per technology compared, "
                        "e.g. stt:7,sot:10")
    _common(p, "iso_area", tech_default="stt,sot")
    p.set_defaults(func=_with_helpers(_iso_area))

    p = subparsers.add_parser("scalability", help="DeepNVM++ Fig. 10: normalised energy/latency/EDP 1-32 MB")
    _networks(p)
    p.add_argument("--l2", default="1,2,4,8,16,32", help="capacities in MB (default 1,2,4,8,16,32)")
    _common(p, "scalability")
    p.set_defaults(func=_with_helpers(_scalability))
