"""``nvmsim trace``: generate a network's GPU memory trace to a file, describe a saved trace, import measured data,
export to Accel-Sim.

Examples::

    nvmsim trace gen --network alexnet --phase inference --batch 4 --out alexnet_b4.nvtrace.parquet
    nvmsim trace info alexnet_b4.nvtrace.parquet
    nvmsim trace import ncu profile.csv --csv counts.csv
    nvmsim trace import accelsim traces/kernelslist.g --out vectoradd.nvtrace.parquet
    nvmsim trace export --format accelsim lenet5_b1/ --network lenet5 --phase inference --batch 1
    nvmsim trace export accelsim_conv2/ --network alexnet --layer conv2
"""

from __future__ import annotations

import argparse
from pathlib import Path

from models.errors import ConfigError
from simulator.cli._common import non_negative_int, output_file, positive_int

_GEN_SHOWN = ["kernel", "name", "layer", "pass_", "ctas", "reads", "writes", "requests"]
_EXPORT_SHOWN = ["kernel", "trace_file", "name", "layer", "ctas", "warp_insts", "reads", "writes", "requests"]


def _quiet_print(args, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text)


def _emit(df, args, columns=None) -> None:
    from simulator.cli._common import emit

    emit(df, args, None, columns=columns)


def _positive(value: int, field: str) -> int:
    if value is None or value <= 0:
        raise ConfigError(field, f"must be a positive integer, got {value}")
    return value


def _gen(args) -> int:
    import traces
    from simulator.gpu.chip import load_chip
    from simulator.progress import progress
    from workloads import zoo

    _positive(args.batch, "--batch")
    _positive(args.chunk_size, "--chunk-size")
    chip = load_chip(args.chip)
    sector_B = (chip.sector_B or 32) if args.sector else None
    net = zoo.get(args.network, dataset=args.dataset) if args.dataset else zoo.get(args.network)
    trace = traces.network_trace(net, phase=args.phase, batch=args.batch, chip=chip, sector_B=sector_B,
                                 chunk_size=args.chunk_size, seed=args.seed)
    kernels = trace.kernels
    n_chunks = -(-trace.n_accesses // trace.chunk_size)
    meta = {"network": args.network, "dataset": net.dataset, "phase": args.phase, "batch": args.batch,
            "chip": chip.name, "n_sms": trace.n_sms, "unit_B": trace.unit_B, "line_B": trace.line_B,
            "sector_B": trace.sector_B, "seed": args.seed, "kernels": len(kernels)}
    path = traces.save_trace(args.out, progress(trace, total=n_chunks, desc="trace", unit="chunk"), meta)
    _emit(kernels, args, columns=_GEN_SHOWN)
    _quiet_print(args, f"# {path}: {trace.n_accesses:,} requests of {trace.unit_B} B ({int(kernels.reads.sum()):,} "
                       f"reads, {int(kernels.writes.sum()):,} writes) in {n_chunks} chunks, {len(kernels)} kernels; "
                       f"{args.network} {args.phase} batch {args.batch} on {chip.name}")
    return 0


def _info(args) -> int:
    import pandas as pd

    import traces
    from simulator.progress import progress

    tf = traces.load_trace(args.file)
    counter = traces.count_chunks(progress(tf, total=tf.n_chunks, desc="read", unit="chunk"))
    totals = counter.totals()
    if totals["accesses"] != tf.n_accesses:  # pragma: no cover - TraceFile already checks row counts
        raise ConfigError(str(args.file), f"header says {tf.n_accesses} accesses, chunks hold {totals['accesses']}")
    _quiet_print(args, f"# {tf.path}: nvmsim trace format version {tf.version}")
    for key, value in tf.meta.items():
        _quiet_print(args, f"#   {key}: {value}")
    _emit(counter.table() if args.per_kernel else pd.DataFrame([totals]), args)
    return 0


def _import(args) -> int:
    import traces

    if args.tool in ("ncu", "nvprof"):
        if args.out is not None:
            raise ConfigError("--out", f"only for accelsim (an {args.tool} export holds counts, not a trace; "
                                       "use --csv)")
        read = traces.read_ncu_csv if args.tool == "ncu" else traces.read_nvprof_csv
        _emit(read(args.file), args)
        return 0
    if args.out is None:
        raise ConfigError("--out", "accelsim import needs the trace file to write (e.g. --out run.nvtrace.parquet)")
    from simulator.progress import progress

    _positive(args.sms, "--sms")
    counter = traces.ChunkCounter()
    chunks = traces.read_accelsim(args.file, n_sms=args.sms)
    meta = {"source": "accelsim", "file": str(args.file), "n_sms": args.sms, "unit_B": 32}
    path = traces.save_trace(args.out, counter.wrap(progress(chunks, desc="import", unit="chunk")), meta)
    _emit(counter.table(), args)
    t = counter.totals()
    _quiet_print(args, f"# {path}: {t['accesses']:,} sector accesses ({t['reads']:,} reads, {t['writes']:,} writes) "
                       f"in {t['chunks']} chunks, {t['kernels']} kernels")
    return 0


def _kernel_range(text: str | None) -> slice | None:
    """``"A:B"`` (either side may be empty) or ``"A"`` -> a slice of kernel ids, with an error naming the option."""
    if text is None:
        return None
    lo, colon, hi = text.partition(":")
    try:
        a = int(lo) if lo.strip() else None
        b = int(hi) if hi.strip() else None
    except ValueError:
        raise ConfigError("--kernels", f"must be A:B (kernel ids, B excluded) or A, got {text!r}") from None
    if not colon:
        b = a + 1
    if (a is not None and a < 0) or (a is not None and b is not None and b <= a):
        raise ConfigError("--kernels", f"must be A:B with 0 <= A < B, got {text!r}")
    return slice(a, b)


def _export(args) -> int:
    import traces
    from simulator.progress import progress
    from workloads import zoo

    _positive(args.batch, "--batch")
    kernels = _kernel_range(args.kernels)
    net = zoo.get(args.network, dataset=args.dataset) if args.dataset else zoo.get(args.network)
    df = traces.write_accelsim(net, args.out_dir, phase=args.phase, batch=args.batch, seed=args.seed,
                               kernels=kernels, layer=args.layer,
                               progress=lambda it, total: progress(it, total=total, desc="export", unit="kernel"))
    _emit(df, args, columns=_EXPORT_SHOWN)
    _quiet_print(args, f"# {df.attrs['path']}: kernelslist.g + {len(df)} kernel traces, {int(df.ctas.sum()):,} CTAs, "
                       f"{int(df.warp_insts.sum()):,} warp instructions, {int(df.requests.sum()):,} sector requests "
                       f"of 32 B ({int(df.reads.sum()):,} reads, {int(df.writes.sum()):,} writes); {args.network} "
                       f"{args.phase} batch {args.batch}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("trace", help="GPU memory traces: generate to a file, describe, import measured data, "
                                            "export to Accel-Sim",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    sub = p.add_subparsers(dest="trace_verb", metavar="VERB")

    g = sub.add_parser("gen", help="a zoo network's layer-generated trace, saved as an nvmsim trace file")
    g.add_argument("--network", required=True, help="zoo network (see `nvmsim workloads`)")
    g.add_argument("--dataset", default=None, help="imagenet, cifar10, cifar100, mnist or text (default: the net's)")
    g.add_argument("--phase", choices=("inference", "training"), default="inference")
    g.add_argument("--batch", type=positive_int, default=1, help="samples per step (default 1)")
    g.add_argument("--chip", default="gtx1080ti-deepnvm", help="chip preset name or TOML file (SMs, line size)")
    g.add_argument("--sector", action="store_true", help="one request per 32 B sector (default: per 128 B line)")
    g.add_argument("--chunk-size", type=positive_int, default=1 << 20, help="requests per chunk / row group")
    g.add_argument("--seed", type=non_negative_int, default=0,
                   help="seed of the token ids embedding lookups read (default 0)")
    g.add_argument("--out", type=output_file, required=True, metavar="FILE", help="trace file to write (.parquet)")
    g.add_argument("--csv", type=output_file, default=None, help="also write the per-kernel table to this CSV file")
    g.add_argument("--quiet", action="store_true", help="do not print the table")
    g.set_defaults(func=_gen)

    i = sub.add_parser("info", help="header and counts of a saved trace (streamed, not loaded whole)")
    i.add_argument("file", type=Path, metavar="FILE")
    i.add_argument("--per-kernel", action="store_true", help="counts per kernel id instead of totals")
    i.add_argument("--csv", type=output_file, default=None, help="also write the table to this CSV file")
    i.add_argument("--quiet", action="store_true", help="do not print")
    i.set_defaults(func=_info)

    m = sub.add_parser("import", help="measured data: ncu/nvprof CSV counts, or an Accel-Sim trace -> trace file")
    m.add_argument("tool", choices=("ncu", "nvprof", "accelsim"))
    m.add_argument("file", type=Path, metavar="FILE", help="CSV export, or kernelslist.g / kernel-N.traceg[.xz]")
    m.add_argument("--csv", type=output_file, default=None, help="write the per-kernel counts to this CSV file")
    m.add_argument("--out", type=output_file, default=None, metavar="FILE", help="accelsim: trace file to write")
    m.add_argument("--sms", type=positive_int, default=28,
                   help="accelsim: SMs thread blocks are spread over (default 28)")
    m.add_argument("--quiet", action="store_true", help="do not print the table")
    m.set_defaults(func=_import)

    x = sub.add_parser("export", help="a zoo network's kernels as an Accel-Sim trace folder (kernelslist.g + "
                                      "kernel-N.traceg.xz) that Accel-Sim runs unmodified",
                       description="Write a zoo network's GPU kernels (all, one layer's, or a kernel id range) as the "
                                   "Accel-Sim tracer would: kernel-N.traceg.xz per kernel (N = nvmsim kernel id + 1), "
                                   "256-thread CTAs of 8 warps, one LDG.E/STG.E per run of contiguous 32 B sectors "
                                   "inside a 128 B line. OUT_DIR must be new or empty; it appears only when complete.")
    x.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="new or empty directory to write the trace folder")
    x.add_argument("--format", choices=("accelsim",), default="accelsim", help="trace format (default accelsim)")
    x.add_argument("--network", required=True, help="zoo network (see `nvmsim workloads`)")
    x.add_argument("--dataset", default=None, help="imagenet, cifar10, cifar100, mnist or text (default: the net's)")
    x.add_argument("--phase", choices=("inference", "training"), default="inference")
    x.add_argument("--batch", type=int, default=1, help="samples per step (default 1)")
    x.add_argument("--layer", default=None, metavar="NAME", help="only this layer's kernels (e.g. conv2)")
    x.add_argument("--kernels", default=None, metavar="A:B",
                   help="only nvmsim kernel ids A..B-1 (as listed by `nvmsim trace gen`); A: or :B leave a side open")
    x.add_argument("--seed", type=int, default=0, help="seed of the token ids embedding lookups read (default 0)")
    x.add_argument("--csv", type=Path, default=None, help="also write the per-kernel table to this CSV file")
    x.add_argument("--quiet", action="store_true", help="do not print the table")
    x.set_defaults(func=_export)
