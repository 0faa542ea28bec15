"""Training loop that writes every tensor through an error-prone scratchpad.

Where errors enter (seed paper §III-A and §V-D: activation, weight and error
buffers): in the forward pass the network input and every layer output are
written to the activation buffer; in the backward pass the loss gradient,
every layer's input gradient and every weight gradient are written to the
error buffer; after each SGD step the new weights and biases are written to
the weight buffer, so an error made at one write persists until that word is
rewritten (the next update reads the corrupted value). Each structure has its
own per-bit rates. The test accuracy after each epoch is measured on the
weights as stored, with an error-free forward pass.

Exponent flips can write ±inf or NaN; they propagate as in a real float32
run: the loss becomes non-finite, the run is recorded as diverged, and
training goes on without raising.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from models.bitflip import BitErrorRates, flip_bits
from models.errors import ConfigError
from models.nptrain.data import Dataset
from models.nptrain.layers import softmax_cross_entropy
from models.nptrain.nets import Sequential
from models.nptrain.optim import SGD

STRUCTURES = ("activations", "weights", "errors")


def parse_structures(text: str) -> tuple[str, ...]:
    """``all`` or structure names joined by ``+`` (e.g. ``weights+errors``)."""
    t = str(text).strip().lower()
    if t == "all":
        return STRUCTURES
    parts = tuple(p for p in t.split("+") if p)
    bad = [p for p in parts if p not in STRUCTURES]
    if bad or not parts:
        valid = "+".join(STRUCTURES)
        raise ConfigError("structure", f"unknown structure {text!r}; valid: all, or {valid} joined by '+'")
    return parts


@dataclass(frozen=True)
class WriteErrors:
    """Per-bit write-error rates for each scratchpad structure."""

    activations: BitErrorRates = field(default_factory=BitErrorRates.none)
    weights: BitErrorRates = field(default_factory=BitErrorRates.none)
    errors: BitErrorRates = field(default_factory=BitErrorRates.none)

    @classmethod
    def on(cls, rates: BitErrorRates, structures=STRUCTURES) -> WriteErrors:
        """The same rates on the chosen structures, none on the others."""
        if isinstance(structures, str):
            structures = parse_structures(structures)
        none = BitErrorRates.none()
        return cls(**{s: (rates if s in structures else none) for s in STRUCTURES})


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    batch_size: int = 32
    lr: float = 0.03
    momentum: float = 0.9
    seed: int = 0

    def __post_init__(self):
        if self.epochs < 1:
            raise ConfigError("epochs", f"must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ConfigError("batch_size", f"must be at least 1, got {self.batch_size}")


class Scratchpad:
    """Writes tensors through the error model and counts written words and flipped bits per structure."""

    def __init__(self, errors: WriteErrors, rng: np.random.Generator):
        self.errors, self.rng = errors, rng
        self.words = dict.fromkeys(STRUCTURES, 0)
        self.flips = dict.fromkeys(STRUCTURES, 0)

    def write(self, x: np.ndarray, structure: str) -> np.ndarray:
        rates: BitErrorRates = getattr(self.errors, structure)
        self.words[structure] += x.size
        if rates.is_zero:
            return x
        y, n = flip_bits(x, rates, self.rng)
        self.flips[structure] += n
        return y


def accuracy(model: Sequential, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """Fraction of correct argmax predictions (NaN logits predict class 0, like a real argmax would)."""
    correct = 0
    with np.errstate(all="ignore"):
        for i in range(0, len(y), batch_size):
            correct += int((model.forward(x[i : i + batch_size]).argmax(axis=1) == y[i : i + batch_size]).sum())
    return correct / len(y)


def train_step(model: Sequential, opt: SGD, pad: Scratchpad, xb: np.ndarray, yb: np.ndarray) -> float:
    """One mini-batch: forward, loss, backward, update, with every tensor written through ``pad``."""
    a = pad.write(xb, "activations")
    for layer in model.layers:
        a = layer.forward(a)
        if layer.writes_output:
            a = pad.write(a, "activations")
    loss, d = softmax_cross_entropy(a, yb)
    d = pad.write(d, "errors")
    first = next(i for i, layer in enumerate(model.layers) if layer.params)
    for idx in range(len(model.layers) - 1, first - 1, -1):  # the gradient w.r.t. the input is never needed
        layer = model.layers[idx]
        d = layer.backward(d)
        for key in layer.grads:
            layer.grads[key] = pad.write(layer.grads[key], "errors")
        if idx > first and layer.writes_output:
            d = pad.write(d, "errors")
    opt.step(model.param_layers())
    for layer in model.param_layers():
        for key in layer.params:
            layer.params[key] = pad.write(layer.params[key], "weights")
    return loss


def train(
    model: Sequential,
    data: Dataset,
    config: TrainConfig | None = None,
    errors: WriteErrors | None = None,
    callback: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train ``model`` on ``data`` with write errors; one record per epoch.

    Records hold ``epoch``, ``train_loss`` (mean over mini-batches; non-finite once
    the run diverges), ``nonfinite_batches``, ``test_accuracy``, ``train_accuracy``,
    ``words_written`` and ``bits_flipped`` (all structures), and ``diverged``.
    Data order comes from ``config.seed``; the bit errors from an independent stream
    of the same seed, so runs that differ only in their error rates see the same batches.
    ``config`` defaults to ``TrainConfig()``.
    """
    config = TrainConfig() if config is None else config
    errors = errors or WriteErrors()
    order_rng = np.random.default_rng([config.seed, 0])
    pad = Scratchpad(errors, np.random.default_rng([config.seed, 1]))
    opt = SGD(config.lr, config.momentum)
    n = len(data.y_train)
    history = []
    diverged = False
    for epoch in range(1, config.epochs + 1):
        order = order_rng.permutation(n)
        losses = []
        words0, flips0 = sum(pad.words.values()), sum(pad.flips.values())
        with np.errstate(all="ignore"):
            for i in range(0, n, config.batch_size):
                idx = order[i : i + config.batch_size]
                losses.append(train_step(model, opt, pad, data.x_train[idx], data.y_train[idx]))
        losses = np.asarray(losses)
        nonfinite = int((~np.isfinite(losses)).sum())
        weights_ok = all(np.isfinite(p).all() for layer in model.param_layers() for p in layer.params.values())
        diverged = diverged or nonfinite > 0 or not weights_ok
        rec = {
            "epoch": epoch,
            "train_loss": float(losses.mean()) if nonfinite == 0 else float("nan"),
            "nonfinite_batches": nonfinite,
            "test_accuracy": accuracy(model, data.x_test, data.y_test),
            "train_accuracy": accuracy(model, data.x_train, data.y_train),
            "words_written": sum(pad.words.values()) - words0,
            "bits_flipped": sum(pad.flips.values()) - flips0,
            "diverged": diverged,
        }
        history.append(rec)
        if callback is not None:
            callback(rec)
    return history
