"""Bit-error injection and error-injected training speed (seed paper §V-D).

Measured side by side in one run:
1. ``flip_bits`` (binomial count + sampled positions at low rates) vs a naive per-bit Bernoulli draw over the
   same 1M float32 words, at several WERs;
2. one epoch of LeNet-5 / MLP on digits, clean vs with write errors on every write (the injector's overhead);
3. the final accuracies of a short Fig. 14-style study (LeNet-5, digits).

Run: ``python benchmarks/bench_training.py [--quick]``. The machine is shared (2 cores, other jobs running),
so absolute times are noisy; the ratios taken in the same run are the result.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section  # noqa: E402
from models.bitflip import BitErrorRates, flip_bits  # noqa: E402
from models.nptrain import TrainConfig, WriteErrors, build_model, load_dataset, train  # noqa: E402
from simulator.studies.write_errors import training_with_errors  # noqa: E402


def _naive(x, p, rng):
    """Per-bit Bernoulli twin: one uniform draw per bit, packed into an XOR mask."""
    words = x.view(np.uint32).copy()
    weights = (np.uint32(1) << np.arange(32, dtype=np.uint32)).astype(np.uint32)
    for lo in range(0, words.size, 1 << 16):  # chunks keep the per-bit draw array bounded
        hit = rng.random((min(1 << 16, words.size - lo), 32), dtype=np.float32) < p
        words[lo : lo + hit.shape[0]] ^= (hit * weights).sum(axis=1, dtype=np.uint64).astype(np.uint32)
    return words.view(np.float32)


def _best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(quick: bool = False) -> str:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1_000_000).astype(np.float32)
    flip_bits(x[:10], BitErrorRates.parse(0.5, "all"), rng)  # compile the XOR kernel outside the timing
    lines = ["### Bit-error injector: 1M float32 words, all 32 bits", "",
             "| WER | flips | flip_bits (ms) | naive per-bit draw (ms) | speed-up |", "|---|---|---|---|---|"]
    for p in (1e-6, 1e-4, 1e-2, 1e-1):
        rates = BitErrorRates.parse(p, "all")
        n = flip_bits(x, rates, np.random.default_rng(1))[1]
        t_fast = _best(lambda rates=rates: flip_bits(x, rates, np.random.default_rng(1)))
        t_naive = _best(lambda p=p: _naive(x, p, np.random.default_rng(1)), repeat=1 if quick else 2)
        lines.append(f"| {p:g} | {n} | {1e3 * t_fast:.1f} | {1e3 * t_naive:.0f} | {t_naive / t_fast:.1f}x |")

    data = load_dataset("digits", seed=0)
    lines += ["", "### One training epoch on digits (1438 images, batch 32), clean vs errors on every write", "",
              "| model | clean (s) | WER 1e-4 all bits (s) | WER 1e-2 mantissa (s) | overhead at 1e-4 |",
              "|---|---|---|---|---|"]
    for model in ("mlp", "lenet5"):
        times = []
        for errors in (None, WriteErrors.on(BitErrorRates.parse(1e-4, "all")),
                       WriteErrors.on(BitErrorRates.parse(1e-2, "mantissa"))):
            def run(errors=errors, model=model):
                net = build_model(model, data.in_shape, data.n_classes, seed=0)
                train(net, data, TrainConfig(epochs=1), errors)
            times.append(_best(run, repeat=1 if quick else 2))
        lines.append(f"| {model} | {times[0]:.2f} | {times[1]:.2f} | {times[2]:.2f} | {times[1] / times[0]:.2f}x |")

    epochs = 2 if quick else 5
    t = time.perf_counter()
    df = training_with_errors("lenet5", "digits", epochs=epochs)
    wall = time.perf_counter() - t
    last = df[df.epoch == epochs]
    lines += ["", f"### Fig. 14-style study: LeNet-5 on digits, {epochs} epochs, errors on activations, weights "
              f"and errors ({len(last)} runs, {wall:.0f} s)", "",
              "| WER | bits | final test accuracy (%) | diverged |", "|---|---|---|---|"]
    for r in last.itertuples():
        lines.append(f"| {r.wer:g} | {r.bits} | {100 * r.test_accuracy:.1f} | {r.diverged} |")
    # Where does the exponent stop being tolerable, and which structure is the most sensitive?
    sweep = training_with_errors("lenet5", "digits", wers=(1e-9, 1e-8, 1e-7), bits=("sign+exponent",),
                                 epochs=3)
    per = training_with_errors("lenet5", "digits", wers=(1e-6,), bits=("sign+exponent",),
                               structures=("activations", "weights", "errors"), epochs=3)
    lines += ["", "### Sign+exponent errors: WER threshold and per-structure sensitivity (LeNet-5, digits, 3 epochs)",
              "", "| WER | structure | bits flipped (3 epochs) | final test accuracy (%) | diverged |",
              "|---|---|---|---|---|"]
    for d in (sweep, per):
        for (wer, s), g in d.groupby(["wer", "structure"], sort=False):
            lines.append(f"| {wer:g} | {s} | {int(g.bits_flipped.sum())} | {100 * g.test_accuracy.iloc[-1]:.1f} | "
                         f"{bool(g.diverged.iloc[-1])} |")
    lines += ["", "Machine shared with other jobs during the run (2 cores): absolute times are noisy."]
    text = "\n".join(lines)
    print(text)
    write_section("training", text)
    return text


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
