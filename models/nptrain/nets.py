"""The networks trained under write errors: LeNet-5, a small CNN and an MLP, registered by name.

LeNet-5 keeps LeCun et al.'s topology (conv 5x5 ×6, pool, conv 5x5 ×16, pool,
FC 120, FC 84, FC classes) with ReLU and max pooling as in common modern
re-implementations; a convolution gets padding 2 ("same") whenever the input
is smaller than LeNet's 32x32 (first conv, as MNIST implementations do for
28x28) or too small for a valid 5x5 convolution (second conv). For the 8x8
digits that gives 8→8→4→4→2 and a 64-wide first FC layer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.errors import ConfigError
from models.nptrain.layers import Conv2D, Flatten, Layer, Linear, MaxPool2D, ReLU


class Sequential:
    """An ordered list of layers; the trainer walks ``layers`` itself so it can intercept every tensor."""

    def __init__(self, layers: list[Layer], in_shape: tuple[int, ...], name: str):
        self.layers = layers
        self.in_shape = tuple(in_shape)
        self.name = name

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def param_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.params]

    def n_params(self) -> int:
        return sum(p.size for layer in self.layers for p in layer.params.values())

    def astype(self, dtype) -> Sequential:
        """Cast every parameter (used by the float64 gradient checks)."""
        for layer in self.layers:
            for key, val in layer.params.items():
                layer.params[key] = val.astype(dtype)
        return self


def _conv_pad(size: int, k: int = 5) -> int:
    """0 if a valid k x k convolution leaves at least 2 (even) pixels, else 'same' padding."""
    out = size - k + 1
    return 0 if out >= 2 and out % 2 == 0 else k // 2


def _check_image(in_shape, name):
    if len(in_shape) != 3:
        raise ConfigError("model", f"{name} needs image input (C, H, W), got shape {tuple(in_shape)}")


def lenet5(in_shape, n_classes: int, rng: np.random.Generator) -> Sequential:
    _check_image(in_shape, "lenet5")
    layers: list[Layer] = []
    shape = tuple(in_shape)
    for i, c_out in enumerate((6, 16)):
        pad = (0 if shape[1] >= 32 else 2) if i == 0 else _conv_pad(shape[1])
        conv = Conv2D(shape[0], c_out, 5, rng, pad=pad)
        layers += [conv, ReLU(), MaxPool2D()]
        shape = MaxPool2D().output_shape(conv.output_shape(shape))
    flat = int(np.prod(shape))
    layers += [Flatten(), Linear(flat, 120, rng), ReLU(), Linear(120, 84, rng), ReLU(), Linear(84, n_classes, rng)]
    return Sequential(layers, in_shape, "lenet5")


def small_cnn(in_shape, n_classes: int, rng: np.random.Generator) -> Sequential:
    """Two 3x3 conv + pool stages (8 and 16 channels) and one FC classifier."""
    _check_image(in_shape, "small_cnn")
    layers: list[Layer] = []
    shape = tuple(in_shape)
    for c_out in (8, 16):
        conv = Conv2D(shape[0], c_out, 3, rng, pad=1)
        layers += [conv, ReLU(), MaxPool2D()]
        shape = MaxPool2D().output_shape(conv.output_shape(shape))
    layers += [Flatten(), Linear(int(np.prod(shape)), n_classes, rng)]
    return Sequential(layers, in_shape, "small_cnn")


def mlp(in_shape, n_classes: int, rng: np.random.Generator, hidden=(128, 64)) -> Sequential:
    n_in = int(np.prod(in_shape))
    layers: list[Layer] = [Flatten()]
    for width in hidden:
        layers += [Linear(n_in, width, rng), ReLU()]
        n_in = width
    layers.append(Linear(n_in, n_classes, rng))
    return Sequential(layers, in_shape, "mlp")


MODELS: dict[str, Callable[..., Sequential]] = {"lenet5": lenet5, "small_cnn": small_cnn, "mlp": mlp}


def build_model(name: str, in_shape, n_classes: int, seed: int = 0) -> Sequential:
    """Build a registered network with weights drawn from ``numpy.random.default_rng(seed)``."""
    if name not in MODELS:
        raise ConfigError("model", f"unknown model {name!r}; valid: {', '.join(sorted(MODELS))}")
    return MODELS[name](tuple(in_shape), int(n_classes), np.random.default_rng(seed))
