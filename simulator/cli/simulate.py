"""``nvmsim simulate``: run a trace through a GPU chip's memory hierarchy.

The trace is a zoo network's layer-generated trace (``--network``), a saved
trace file (``--trace``) or a synthetic pattern (``--pattern``). Prints counts
and cycles per L2 capacity (and technology) and writes them as CSV; for a
network, the per-kernel table (with kernel names) comes first.

Examples::

    nvmsim simulate --network alexnet --phase inference --batch 4 --chip gtx1080ti-deepnvm --l2 3,6,12,24
    nvmsim simulate --pattern random --accesses 2000000 --chip gtx1080ti-deepnvm --l2 3,6,12,24
"""

from __future__ import annotations

import argparse

from models.config import parse_number
from models.errors import ConfigError
from simulator.cli._common import (
    add_output_options,
    add_sampling_option,
    add_seed_option,
    emit,
    number,
    parse_float_list,
    parse_str_list,
    positive_int,
    size,
)

SHOWN = ["l2_MB", "technology", "mode", "l1_hits", "l1_misses", "l2_reads", "l2_writes", "l2_read_hits",
         "l2_write_hits", "l2_writebacks", "dram_reads", "dram_writes", "cycles", "time_ns"]


def register(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="GPU memory-hierarchy simulation of a trace or a synthetic pattern",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--pattern", default=None, choices=("streaming", "random", "strided", "gemm"),
                     help="synthetic pattern (default: random, unless --trace is given)")
    src.add_argument("--trace", default=None, help="a trace file saved by nvmsim (traces.save_trace)")
    src.add_argument("--network", default=None, help="a zoo network (see `nvmsim workloads`), traced as it runs")
    p.add_argument("--dataset", default=None, help="network: dataset (default: the network's own)")
    p.add_argument("--phase", default="inference", choices=("inference", "training"), help="network: phase")
    p.add_argument("--batch", type=positive_int, default=4, help="network: batch size (default 4)")
    p.add_argument("--sector", action="store_true", help="network: 32 B sector requests instead of 128 B lines")
    p.add_argument("--accesses", type=positive_int, default=1_000_000, help="synthetic: number of accesses")
    p.add_argument("--write-fraction", type=number(minimum=0, maximum=1), default=0.0,
                   help="synthetic: fraction of writes, 0 to 1")
    p.add_argument("--footprint-MB", type=size("MB"), default=64.0,
                   help="synthetic: bytes touched, in MB (512KB, 1GB also work)")
    p.add_argument("--stride-B", type=positive_int, default=128, help="synthetic strided: stride in bytes")
    p.add_argument("--sms", type=positive_int, default=None, help="synthetic: issuing SMs (default: the chip's)")
    p.add_argument("--chip", default="gtx1080ti-deepnvm", help="chip preset name or TOML file")
    p.add_argument("--l2", default=None,
                   help="L2 capacities in MB, comma-separated (a bare number is MB; 512KB, 1GB also work; "
                        "default: the chip's)")
    p.add_argument("--mode", default="fast", choices=("fast", "timed"), help="fast (fixed interleaving) or timed")
    p.add_argument("--tech", default=None,
                   help="technologies as NAME=READ_NS/WRITE_NS, comma-separated "
                        "(e.g. sram=2.91/1.53,stt=2.98/9.31; default: the chip's SRAM latencies)")
    p.add_argument("--per-kernel", action="store_true", help="print and write the per-kernel table instead")
    add_sampling_option(p)
    add_seed_option(p)
    add_output_options(p, default_name="simulate")
    p.set_defaults(func=_simulate)


def parse_tech(text: str | None) -> dict | None:
    """``"sram=2.91/1.53,stt=2.98/9.31"`` → ``{"sram": {"read_latency_ns": 2.91, "write_latency_ns": 1.53}, ...}``."""
    if text is None:
        return None
    out = {}
    for item in parse_str_list(text):
        name, _, lat = item.partition("=")
        rd, slash, wr = lat.partition("/")
        name = name.strip()
        if not name or not slash:
            raise ConfigError("--tech", f"each entry must be NAME=READ_NS/WRITE_NS, got {item!r}")
        if name in out:
            raise ConfigError("--tech", f"names {name!r} twice")
        out[name] = {"read_latency_ns": parse_number(rd, f"--tech.{name}.read", positive=True, unit="ns"),
                     "write_latency_ns": parse_number(wr, f"--tech.{name}.write", positive=True, unit="ns")}
    if not out:
        raise ConfigError("--tech", "must name at least one technology")
    return out


def chunk_source(args, chip):
    """The trace to simulate: one small function, so that new sources (e.g. a network) slot in here."""
    if args.trace is not None:
        from traces import load_trace  # lazy: the trace package is only needed for files

        return load_trace(args.trace)
    if args.network is not None:
        from traces import network_trace

        return network_trace(args.network, phase=args.phase, batch=args.batch, dataset=args.dataset, chip=chip,
                             sector_B=32 if args.sector else None)
    from traces.synthetic import synthetic_chunks

    return synthetic_chunks(args.pattern or "random", args.accesses, n_sms=chip.n_sms if args.sms is None else args.sms,
                            write_fraction=args.write_fraction, footprint_B=int(args.footprint_MB * 2**20),
                            stride_B=args.stride_B, seed=args.seed, line_B=chip.sector_B or chip.l2.line_B)


def _simulate(args) -> int:
    from simulator.startup import import_settled

    import_settled("simulator.gpu")  # numpy, pandas, Numba and the engine, out of the collector's way
    from simulator.gpu import warmup
    from simulator.gpu.chip import load_chip

    chip = load_chip(args.chip)
    # a network's trace compiles its generators first: on a cold cache a helper compiles the chip's L1 and L2
    # kernels meanwhile (a trace file or a pattern reaches them at once: nothing to overlap)
    warming = warmup.start(chip, args.sample_sets) if args.network is not None and args.mode == "fast" else None
    try:
        return _run(args, chip)
    finally:
        warmup.stop(warming)


def _run(args, chip) -> int:
    from simulator.gpu import simulate_gpu

    l2 = parse_float_list(args.l2, "--l2", unit="MB", sizes=True) if args.l2 is not None else None
    source = chunk_source(args, chip)
    tech = parse_tech(args.tech)
    if not args.quiet:
        caps = l2 if l2 is not None else [chip.l2.capacity_MB]
        print(f"# simulate on {chip.name}: L2 {', '.join(f'{c:g}' for c in caps)} MB, mode {args.mode}")
    result = simulate_gpu(source, chip, l2_MB=l2, tech=tech, mode=args.mode, progress=True,
                          sample_sets=args.sample_sets)
    names = getattr(source, "kernels", None)
    if args.per_kernel or args.network is not None:
        kernels = result.kernels
        shown = ["kernel", *SHOWN]
        if names is not None and "name" in names.columns:
            kernels = kernels.merge(names[["kernel", "name"]].rename(columns={"name": "kernel_name"}),
                                    on="kernel", how="left")
            shown.insert(1, "kernel_name")
        emit(kernels, args, "simulate_kernels", columns=[c for c in shown if c in kernels.columns])
    if not args.per_kernel:
        emit(result.totals, args, columns=[c for c in (*SHOWN, "sample_sets", "dram_accesses_rse")
                                            if c in result.totals.columns])
    return 0
