"""``nvmsim train-with-errors`` and ``nvmsim hetero-energy``: the scratchpad paper's Fig. 14 and Fig. 15."""

from __future__ import annotations

from pathlib import Path

from simulator.cli._common import (
    add_output_options,
    add_seed_option,
    emit,
    number,
    parse_float_list,
    parse_str_list,
    positive_int,
)


def _train(args) -> int:
    from simulator.output import save_figure
    from simulator.studies.write_errors import plot_training_errors, training_with_errors

    df = training_with_errors(
        model=args.model,
        dataset=args.dataset,
        wers=parse_float_list(args.wer, "--wer", minimum=0, maximum=1),
        bits=parse_str_list(args.bits, "--bits"),
        structures=parse_str_list(args.structure, "--structure"),
        epochs=args.epochs,
        seed=args.seed,
        batch_size=args.batch_size,
        lr=args.lr,
        backend=args.backend,
    )
    emit(df, args, columns=["epoch", "wer", "bits", "structure", "train_loss", "test_accuracy", "diverged"])
    if args.out is not None:
        save_figure(plot_training_errors(df), Path(args.out) / "train_with_errors.png")
    return 0


def _hetero(args) -> int:
    from simulator.output import save_figure
    from simulator.studies.write_errors import hetero_energy, plot_hetero

    df = hetero_energy(parse_float_list(args.wer, "--wer", minimum=0, maximum=1), baseline=args.baseline,
                       sram=args.sram,
                       provider=args.provider, protected_bits=args.protected_bits)
    emit(df, args)
    if args.out is not None:
        save_figure(plot_hetero(df), Path(args.out) / "hetero_energy.png")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train-with-errors",
        help="train a small network with STT-MRAM write errors injected into fp32 words (Fig. 14)",
        description="Accuracy vs epoch under bit errors in every activation, weight and error write. "
        "Example: nvmsim train-with-errors --model lenet5 --wer 0,1e-4,1e-2 --bits mantissa,sign+exponent",
    )
    p.add_argument("--model", default="lenet5", help="lenet5, small_cnn or mlp (default lenet5)")
    p.add_argument("--dataset", default="digits", help="digits (scikit-learn, offline) or patterns (procedural)")
    p.add_argument("--wer", default="0,1e-6,1e-4,1e-2", help="comma-separated write-error rates per bit")
    p.add_argument("--bits", default="all,mantissa,sign+exponent",
                   help="comma-separated bit choices: all, sign, exponent, mantissa, low:N, or fields joined by +")
    p.add_argument("--structure", default="all",
                   help="comma-separated structures hit by errors: all, or activations/weights/errors joined by +")
    p.add_argument("--epochs", type=positive_int, default=5)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--lr", type=number(positive=True), default=0.03, help="SGD learning rate (momentum 0.9)")
    p.add_argument("--backend", default="numpy", choices=("numpy", "torch"),
                   help="numpy (default, always available) or torch (PyTorch CPU: pip install nvmsim[torch])")
    add_seed_option(p)
    add_output_options(p, default_name="train_with_errors")
    p.set_defaults(func=_train)

    h = subparsers.add_parser(
        "hetero-energy",
        help="write energy of sign+exponent-protected heterogeneous STT-MRAM arrays vs WER (Fig. 15)",
        description="Example: nvmsim hetero-energy --wer 1e-4,1e-3,8e-4 --out results/",
    )
    h.add_argument("--wer", default="1e-4,1e-3,8e-4", help="comma-separated WERs of the low-cost (mantissa) array")
    h.add_argument("--baseline", default="stt28", help="baseline STT-MRAM cell (default stt28)")
    h.add_argument("--sram", default="sram28", help="SRAM cell for comparison (default sram28)")
    h.add_argument("--provider", default="auto", choices=("auto", "analytic", "mtj"),
                   help="low-cost cells: mtj (macrospin model), analytic (Sun precessional model), auto")
    h.add_argument("--protected-bits", type=number(integer=True, minimum=0, maximum=32), default=9,
                   help="bits per word on the baseline array (default 9)")
    add_output_options(h, default_name="hetero_energy")
    h.set_defaults(func=_hetero)
