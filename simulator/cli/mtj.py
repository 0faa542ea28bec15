"""``nvmsim mtj switching | wer | lowcost``: MTJ switching physics of the scratchpad paper (Fig. 5-6)."""

from __future__ import annotations

from pathlib import Path

from simulator.cli._common import add_output_options, add_seed_option, emit, number, parse_float_list, positive_int

_SHOWN = ["method", "pulse_ns", "voltage_V", "current_uA", "current_ratio", "p_sw", "wer", "energy_pJ"]


def _device(args):
    from models.mtj import paper_device

    changes = {}
    if getattr(args, "delta", None) is not None:
        changes["delta_override"] = args.delta
    return paper_device(**changes)


def _voltages(args):
    return parse_float_list(args.voltages, "--voltages", positive=True, unit="V") if args.voltages else None


def _switching(args) -> int:
    from simulator.studies.mtj import plot_switching, switching_study

    dev = _device(args)
    df = switching_study(parse_float_list(args.pulses, "--pulses", positive=True, unit="ns"), n=args.n, seed=args.seed,
                         voltages_V=_voltages(args), n_voltages=args.n_voltages, device=dev, method=args.method)
    emit(df, args, columns=_SHOWN)
    if args.out is not None:
        df.attrs["delta"] = dev.delta
        plot_switching(df, Path(args.out) / "mtj_switching.png")
    return 0


def _wer(args) -> int:
    from simulator.studies.mtj import extrapolation_table, plot_wer, wer_study

    dev = _device(args)
    df = wer_study(args.method, parse_float_list(args.pulses, "--pulses", positive=True, unit="ns"), n=args.n,
                   seed=args.seed, voltages_V=_voltages(args), n_voltages=args.n_voltages, device=dev)
    emit(df, args, columns=_SHOWN + ["ln_wer"])
    if args.out is not None:
        extrap = None
        if args.method == "mc":
            extrap = extrapolation_table(df, dev)
            emit(extrap, args, name="mtj_extrapolation")
        plot_wer(df, Path(args.out) / "mtj_wer.png", extrap)
    return 0


def _lowcost(args) -> int:
    from simulator.studies.mtj import lowcost_study, plot_lowcost

    dev = None
    if args.delta is not None:
        from models.cells import load_cell
        from models.mtj.lowcost import device_for_cell

        dev = device_for_cell(load_cell(args.cell), delta_override=args.delta)
    df = lowcost_study(target_wer=args.target_wer, baseline_wer=args.baseline_wer, base_cell=args.cell, device=dev)
    emit(df, args)
    if args.out is not None:
        plot_lowcost(df, Path(args.out) / "mtj_lowcost.png")
    return 0


_rate = number(minimum=0, maximum=1)  # a probability per bit; 0 < WER < 1 is checked by the study


def _common(p, pulses="1,2,5,10", n=2000):
    p.add_argument("--pulses", default=pulses, help=f"comma-separated write pulse widths in ns (default {pulses})")
    p.add_argument("--voltages", default=None,
                   help="comma-separated write voltages in V (default: a grid across each pulse's transition)")
    p.add_argument("--n-voltages", type=positive_int, default=16,
                   help="points per pulse on the default grid (default 16)")
    p.add_argument("--n", type=positive_int, default=n, help=f"Monte-Carlo trajectories per point (default {n})")
    p.add_argument("--delta", type=number(positive=True), default=None,
                   help="thermal stability factor (default the paper's 55)")
    add_seed_option(p)


def register(subparsers) -> None:
    p = subparsers.add_parser("mtj", help="MTJ switching physics: switching probability, WER, low-cost write cells")
    sub = p.add_subparsers(dest="mtj_verb", metavar="VERB")
    s = sub.add_parser("switching", help="switching probability vs write voltage per pulse width (paper Fig. 5)",
                       description="Example: nvmsim mtj switching --pulses 2,5,10 --n 2000 --out results/")
    _common(s)
    s.add_argument("--method", choices=("mc", "fpe", "both"), default="both",
                   help="LLGS Monte Carlo, Fokker-Planck, or both (default both)")
    add_output_options(s, "mtj_switching")
    s.set_defaults(func=_switching)
    w = sub.add_parser("wer", help="ln(WER) vs write voltage per pulse width (paper Fig. 6a)",
                       description="Example: nvmsim mtj wer --method fpe --pulses 5,10 --out results/")
    _common(w, n=5000)
    w.add_argument("--method", choices=("fpe", "mc"), default="fpe",
                   help="fpe (reaches 1e-9 and below) or mc (with the paper's linear extrapolation)")
    add_output_options(w, "mtj_wer")
    w.set_defaults(func=_wer)
    c = sub.add_parser("lowcost", help="baseline / low-V / low-dur write settings for a relaxed WER",
                       description="Example: nvmsim mtj lowcost --target-wer 8e-4 --out results/")
    c.add_argument("--target-wer", type=_rate, default=8e-4, help="relaxed write-error rate (default 8e-4)")
    c.add_argument("--baseline-wer", type=_rate, default=8.62e-10,
                   help="baseline write-error rate (default 8.62e-10)")
    c.add_argument("--cell", default="stt28", help="baseline cell whose pulse and resistances are used (default stt28)")
    c.add_argument("--delta", type=number(positive=True), default=None,
                   help="thermal stability factor (default the paper's 55)")
    add_output_options(c, "mtj_lowcost")
    c.set_defaults(func=_lowcost)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
