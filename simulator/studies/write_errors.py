"""Error-tolerant training studies (seed paper §V-D, Fig. 14–15): tidy DataFrames, plots and a report section.

* :func:`training_with_errors` — accuracy vs epoch for several write-error rates and bit choices (Fig. 14).
* :func:`hetero_energy` — write energy of heterogeneous arrays vs WER, with SRAM and baseline STT (Fig. 15).
* :func:`reproduce` — both, written to a directory, summarised as a Markdown section.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from models.bitflip import BitErrorRates
from models.cells import load_cell
from models.config import as_number, as_positive, number_list, require_extra
from models.errors import ConfigError
from models.hetero import (
    analytic_lowcost_cell,
    array_bit_energy,
    cell_bit_energy_pJ,
    hetero_write_energy,
    write_error_rates,
)
from models.mtj.lowcost import lowcost_cell
from models.nptrain import TrainConfig, WriteErrors, build_model, load_dataset, parse_structures, train
from models.nptrain.torch_backend import torch_models, train_torch
from simulator.output import pyplot, save_figure, write_table
from simulator.progress import progress

TRAIN_COLUMNS = ["model", "dataset", "epoch", "wer", "bits", "structure", "train_loss", "test_accuracy",
                 "train_accuracy", "nonfinite_batches", "diverged", "words_written", "bits_flipped"]

BACKENDS = ("numpy", "torch")
"""Training backends: the numpy layers (always available) and PyTorch on CPU (optional extra ``torch``)."""

# The scratchpad paper's Table II (28 nm, 0.5 mm² budget): array write energy SRAM 0.1 pJ vs baseline
# STT-MRAM 1.5 pJ per access. Used for SRAM only when no array-level bit-energy provider is given, because
# an SRAM cell has no cell-level write energy (its write is bitline swing).
SRAM_OVER_STT_WRITE_TABLE2 = 0.1 / 1.5


def training_with_errors(
    model: str = "lenet5",
    dataset: str = "digits",
    wers: Sequence[float] = (0.0, 1e-6, 1e-4, 1e-2),
    bits: Sequence[str] = ("all", "mantissa", "sign+exponent"),
    structures: Sequence[str] = ("all",),
    epochs: int = 5,
    seed: int = 0,
    batch_size: int = 32,
    lr: float = 0.03,
    momentum: float = 0.9,
    backend: str = "numpy",
) -> pd.DataFrame:
    """Train ``model`` on ``dataset`` once per (WER, bit choice, structure choice); one row per epoch.

    ``backend`` is ``numpy`` (always available) or ``torch`` (PyTorch on CPU, ``pip install nvmsim[torch]``):
    both start from the same weights and inject the same errors at the same writes.

    A WER of 0 is trained once (``bits`` and ``structure`` = ``none``): it is the error-free reference,
    identical for every bit choice. Every run starts from the same weights and sees the same batches
    (both from ``seed``), so curves differ only through the write errors.

    Returns
    -------
    DataFrame with columns ``TRAIN_COLUMNS``; ``train_loss`` is NaN for an epoch whose loss was not finite
    (a diverged run), ``test_accuracy`` is a fraction in [0, 1].
    """
    wers = number_list(wers, "wer", minimum=0.0, maximum=1.0)
    epochs = as_positive(epochs, "epochs", integer=True)
    batch_size = as_positive(batch_size, "batch_size", integer=True)
    seed = as_positive(seed, "seed", integer=True, allow_zero=True)
    lr = as_positive(lr, "lr")
    momentum = as_number(momentum, "momentum", minimum=0.0, maximum=1.0)
    for b in bits:
        BitErrorRates.parse(0.0, b)  # validate names before any training starts
    for s in structures:
        parse_structures(s)
    if backend not in BACKENDS:
        raise ConfigError("backend", f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    if backend == "torch":
        require_extra("torch", "torch", "backend torch")
    data = load_dataset(dataset, seed=seed)
    build_model(model, data.in_shape, data.n_classes, seed=seed)  # validate the name early
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, seed=seed)
    runs = []
    if 0.0 in wers:
        runs.append((0.0, "none", "none"))
    runs += [(w, b, s) for w, b, s in itertools.product([w for w in wers if w > 0], bits, structures)]
    rows = []
    bar = progress(total=len(runs) * epochs, desc=f"train {model}/{dataset}", unit="epoch")
    try:
        for wer, b, s in runs:
            errors = WriteErrors() if wer == 0 else WriteErrors.on(BitErrorRates.parse(wer, b), s)
            if backend == "torch":
                recs = train_torch(torch_models(model, data.in_shape, data.n_classes, seed=seed), data, config,
                                   errors, callback=lambda _r: bar.update(1))
            else:
                net = build_model(model, data.in_shape, data.n_classes, seed=seed)
                recs = train(net, data, config, errors, callback=lambda _r: bar.update(1))
            for rec in recs:
                rows.append({"model": model, "dataset": dataset, "wer": wer, "bits": b, "structure": s, **rec})
    finally:
        bar.close()
    return pd.DataFrame(rows)[TRAIN_COLUMNS]


def plot_training_errors(df: pd.DataFrame):
    """Test accuracy vs epoch: one panel per bit choice, one line per WER (and structure), reference dashed."""
    plt = pyplot()

    ref = df[df.bits == "none"]
    choices = [b for b in dict.fromkeys(df.bits) if b != "none"] or ["none"]
    fig, axes = plt.subplots(1, len(choices), figsize=(4.2 * len(choices), 3.4), sharey=True, squeeze=False)
    for ax, b in zip(axes[0], choices, strict=True):
        if len(ref):
            ax.plot(ref.epoch, 100 * ref.test_accuracy, "k--", label="WER 0")
        sub = df[df.bits == b] if b != "none" else df.iloc[0:0]
        for (wer, s), g in sub.groupby(["wer", "structure"], sort=True):
            label = f"WER {wer:g}" + ("" if s == "all" else f" ({s})")
            if g.diverged.any():
                label += f" (diverged, epoch {int(g.epoch[g.diverged].min())})"
            ax.plot(g.epoch, 100 * g.test_accuracy, marker="o", ms=3, label=label)
        ax.set_title(f"errors on: {b}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.legend(fontsize=6)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy (%)")
    first = df.iloc[0]
    fig.suptitle(f"{first.model} on {first.dataset}: training with STT-MRAM write errors (cf. Fig. 14)")
    fig.tight_layout()
    return fig


def _lowcost_provider(provider: str, baseline):
    """Target WER → low-cost cell: the MTJ model's (a Fokker-Planck low-V write at a fixed pulse, Fig. 15; what
    "auto" picks) or the analytic one."""
    if provider in ("auto", "mtj"):
        return (lambda w: lowcost_cell(w, kind="low_v", base_cell=baseline)), "mtj"
    if provider == "analytic":
        return (lambda w: analytic_lowcost_cell(w, baseline)), "analytic"
    raise ConfigError("provider", f"unknown provider {provider!r}; valid: auto, analytic, mtj")


def hetero_energy(
    wers: Sequence[float] = (1e-4, 1e-3, 8e-4),
    baseline: str = "stt28",
    sram: str = "sram28",
    provider: str = "auto",
    protected_bits: int = 9,
    capacities_MB: Sequence[float] = (0.5, 8, 64),
    energy: str = "array",
    node_nm: float = 28,
    word_B: int = 64,
) -> pd.DataFrame:
    """Fig. 15: write energy of SRAM, baseline STT-MRAM and sign+exponent-protected heterogeneous arrays.

    ``provider`` picks the low-cost cells: ``mtj`` (Fokker-Planck low-V writes at the baseline's 10 ns pulse,
    :func:`models.mtj.lowcost.lowcost_cell`), ``analytic`` (:func:`models.hetero.analytic_lowcost_cell`) or
    ``auto`` (``mtj`` when present). ``energy="array"`` prices a written bit with the circuit model's
    scratchpad (RAM mode, ``word_B``-byte words) at each capacity; ``energy="cell"`` uses the cells' own
    write energy, with SRAM's taken as the baseline's times the paper's Table II ratio (0.1 / 1.5 pJ) since an
    SRAM cell has no cell-level write energy. Columns: those of :func:`models.hetero.hetero_write_energy`
    plus ``capacity_MB`` (NaN for ``cell``), ``energy`` and ``provider``; normalised per capacity.
    """

    if energy not in ("array", "cell"):
        raise ConfigError("energy", f"unknown energy model {energy!r}; valid: array, cell")
    base = load_cell(baseline)
    sram_cell = load_cell(sram)
    low_fn, used = _lowcost_provider(provider, base)
    wers = write_error_rates(wers)
    low_cells = {w: low_fn(w) for w in wers}  # one physics solve per WER, shared by every capacity
    frames = []
    if energy == "cell":
        sram_pJ = cell_bit_energy_pJ(base) * SRAM_OVER_STT_WRITE_TABLE2 if sram_cell.is_sram else sram_cell
        df = hetero_write_energy(wers, base, low_cells.__getitem__, sram_pJ, protected_bits=protected_bits)
        df.insert(0, "capacity_MB", float("nan"))
        frames.append(df)
    else:
        for cap in capacities_MB:
            df = hetero_write_energy(wers, base, low_cells.__getitem__, sram_cell,
                                     bit_energy=array_bit_energy(cap, node_nm, word_B), protected_bits=protected_bits)
            df.insert(0, "capacity_MB", float(cap))
            frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["energy"] = energy
    out["provider"] = used
    return out


def plot_hetero(df: pd.DataFrame):
    """Grouped bars of normalised write energy per capacity: SRAM, baseline STT-MRAM, hetero at each WER."""
    plt = pyplot()

    df = df.assign(label=[("SRAM" if m == "sram" else "STT base" if m == "stt_baseline" else f"hetero {w:g}")
                          for m, w in zip(df.memory, df.wer, strict=True)])
    groups = list(df.groupby("capacity_MB", dropna=False, sort=True))
    labels = list(dict.fromkeys(df.label))
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) * max(1, len(groups)) / 2 + 3, 3.6))
    width = 0.8 / max(1, len(groups))
    for k, (cap, g) in enumerate(groups):
        vals = [g[g.label == lab].normalized.iloc[0] for lab in labels]
        xs = np.arange(len(labels)) + k * width
        name = "cell level" if np.isnan(cap) else f"{cap:g} MB"
        ax.bar(xs, vals, width, label=name)
        for x, v in zip(xs, vals, strict=True):
            ax.text(x, v, f"{v:.2f}", ha="center", va="bottom", fontsize=6)
    ax.set_xticks(np.arange(len(labels)) + width * (len(groups) - 1) / 2, labels, fontsize=8)
    ax.set_ylabel("write energy (norm. to hetero at max WER)")
    ax.set_title("Sign+exponent on baseline STT, mantissa on low-cost STT (cf. Fig. 15)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _final_table(df: pd.DataFrame) -> pd.DataFrame:
    last = df[df.epoch == df.epoch.max()]
    out = last[["wer", "bits", "structure", "test_accuracy", "train_loss", "diverged"]].copy()
    out["test_accuracy"] = (100 * out.test_accuracy).round(1)
    return out.reset_index(drop=True)


def reproduce(out_dir, quick: bool = False) -> str:
    """Run the Fig. 14 and Fig. 15 studies, write CSV + PNG into ``out_dir``, return a Markdown section.

    ``quick`` trains the MLP for 1 epoch at WER {0, 1e-2} and prices one 0.5 MB scratchpad; the full run
    trains LeNet-5 for 5 epochs at WER {0, 1e-6, 1e-4, 1e-2} × {all, mantissa, sign+exponent} and prices
    0.5, 8 and 64 MB scratchpads at WER {1e-4, 1e-3, 8e-4}.
    """

    out = Path(out_dir)
    if quick:
        tr = training_with_errors("mlp", "digits", (0.0, 1e-2), ("mantissa", "sign+exponent"), epochs=1)
        he = hetero_energy((1e-4, 8e-4), capacities_MB=(0.5,))
    else:
        tr = training_with_errors("lenet5", "digits", epochs=5)
        he = hetero_energy()
    write_table(tr, out / "train_with_errors.csv")
    save_figure(plot_training_errors(tr), out / "train_with_errors.png")
    write_table(he, out / "hetero_energy.csv")
    save_figure(plot_hetero(he), out / "hetero_energy.png")
    fin = _final_table(tr)
    gains = he[he.memory == "hetero"].groupby("capacity_MB").gain_vs_baseline.max()
    lines = [
        "### Error-tolerant training and heterogeneous arrays (scratchpad paper §V-D, Fig. 14–15)",
        "",
        f"{tr.model.iloc[0]} on {tr.dataset.iloc[0]}, {int(tr.epoch.max())} epochs, write errors on every "
        "activation, weight and error write. Final test accuracy (%):",
        "",
        fin.to_markdown(index=False) if _has_tabulate() else "```\n" + fin.to_string(index=False) + "\n```",
        "",
        f"Heterogeneous write energy ({he.provider.iloc[0]} low-cost cells, circuit-model scratchpads): "
        + ", ".join(f"{g:.2f}x at {c:g} MB" for c, g in gains.items())
        + " below baseline STT-MRAM at the highest WER (paper: up to 2.03x).",
        "",
        "![accuracy vs epoch](train_with_errors.png) ![write energy](hetero_energy.png)",
    ]
    return "\n".join(lines) + "\n"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401 - optional: pandas' to_markdown needs it
    except ImportError:
        return False
    return True


__all__ = ["BACKENDS", "TRAIN_COLUMNS", "hetero_energy", "plot_hetero", "plot_training_errors", "reproduce",
           "training_with_errors"]
