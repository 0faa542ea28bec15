"""``nvmsim reproduce deepnvm | scratchpad``: rerun a seed paper's studies and write a report beside its numbers."""

from __future__ import annotations

from pathlib import Path

from simulator.cli._common import add_parallel_options
from simulator.output import format_table


def _deepnvm(args) -> int:
    from simulator.studies.report import reproduce_deepnvm

    table = reproduce_deepnvm(args.out, quick=args.quick, chip=args.chip, mode=args.mode, workers=args.workers,
                              scheduler=args.scheduler)
    print(format_table(table[["study", "metric", "technology", "paper", "nvmsim", "nvmsim_over_paper"]]))
    print(f"report: {Path(args.out) / 'REPORT.md'}")
    return 0


def _scratchpad(args) -> int:
    from simulator.scratchpad_study import reproduce_scratchpad

    text = reproduce_scratchpad(args.out, args.quick)
    if isinstance(text, str):
        print(text)
    print(f"report: {Path(args.out) / 'REPORT.md'}")
    return 0


def _has_scratchpad() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("simulator.scratchpad_study") is not None
    except (ImportError, ValueError):  # pragma: no cover
        return False


def register(subparsers) -> None:
    p = subparsers.add_parser("reproduce", help="rerun a seed paper's studies and report beside its numbers")
    sub = p.add_subparsers(dest="paper", metavar="PAPER")
    d = sub.add_parser("deepnvm", help="DeepNVM++ §IV: iso-capacity, batch size, iso-area, L2 sweep, scalability")
    d.add_argument("--out", type=Path, default=Path("deepnvm_report"), help="output directory (default deepnvm_report)")
    d.add_argument("--quick", action="store_true", help="fewer networks and small batches: minutes, not the full run")
    d.add_argument("--chip", default="gtx1080ti-deepnvm")
    d.add_argument("--mode", choices=("fast", "timed"), default="fast")
    add_parallel_options(d)
    d.set_defaults(func=_deepnvm)
    if _has_scratchpad():
        s = sub.add_parser("scratchpad", help="STT-MRAM scratchpad training paper: the systolic studies")
        s.add_argument("--out", type=Path, default=Path("scratchpad_report"), help="output directory")
        s.add_argument("--quick", action="store_true", help="smaller runs: minutes, not the full study")
        s.set_defaults(func=_scratchpad)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
