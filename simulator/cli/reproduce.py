"""``nvmsim reproduce deepnvm | scratchpad``: rerun a seed paper's studies and write a report beside its numbers."""

from __future__ import annotations

from pathlib import Path

from simulator.cli._common import add_parallel_options, output_dir, positive_int
from simulator.output import format_table


def _deepnvm(args) -> int:
    from simulator.studies.deepnvm_report import reproduce_deepnvm

    plan = None
    if args.networks or args.inference_batch or args.training_batch:
        from dataclasses import replace

        from simulator.cli._common import parse_str_list
        from simulator.studies.deepnvm_report import FULL, QUICK

        base = QUICK if args.quick else FULL
        batches = dict(base.phases)
        batches["inference"] = args.inference_batch or batches["inference"]
        batches["training"] = args.training_batch or batches["training"]
        networks = tuple(parse_str_list(args.networks, "--networks")) if args.networks else base.networks
        plan = replace(base, networks=networks, phases=tuple(batches.items()),
                       notes=(*base.notes, f"custom plan: networks {', '.join(networks)}, "
                                           f"inference batch {batches['inference']}, "
                                           f"training batch {batches['training']}"))
    table = reproduce_deepnvm(args.out, quick=args.quick, chip=args.chip, mode=args.mode, workers=args.workers,
                              scheduler=args.scheduler, plan=plan)
    print(format_table(table[["study", "metric", "technology", "paper", "nvmsim", "nvmsim_over_paper"]]))
    print(f"report: {Path(args.out) / 'REPORT.md'}")
    return 0


def _scratchpad(args) -> int:
    from simulator.studies.scratchpad_report import reproduce_scratchpad

    text = reproduce_scratchpad(args.out, args.quick)
    if isinstance(text, str):
        print(text)
    print(f"report: {Path(args.out) / 'REPORT.md'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("reproduce", help="rerun a seed paper's studies and report beside its numbers")
    sub = p.add_subparsers(dest="paper", metavar="PAPER")
    d = sub.add_parser("deepnvm", help="DeepNVM++ §IV: iso-capacity, batch size, iso-area, L2 sweep, scalability")
    d.add_argument("--out", type=output_dir, default=Path("deepnvm_report"),
                   help="output directory (default deepnvm_report)")
    d.add_argument("--quick", action="store_true", help="fewer networks and small batches: minutes, not the full run")
    d.add_argument("--chip", default="gtx1080ti-deepnvm")
    d.add_argument("--networks", default=None, help="networks to run instead of the plan's, comma-separated")
    d.add_argument("--inference-batch", type=positive_int, default=None, help="inference batch (full: 4, quick: 1)")
    d.add_argument("--training-batch", type=positive_int, default=None, help="training batch (full: 64, quick: 1)")
    d.add_argument("--mode", choices=("fast", "timed"), default="fast")
    add_parallel_options(d)
    d.set_defaults(func=_deepnvm)
    s = sub.add_parser("scratchpad", help="STT-MRAM scratchpad training paper: the systolic studies")
    s.add_argument("--out", type=output_dir, default=Path("scratchpad_report"), help="output directory")
    s.add_argument("--quick", action="store_true", help="smaller runs: minutes, not the full study")
    s.set_defaults(func=_scratchpad)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
