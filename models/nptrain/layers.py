"""Neural-network layers with explicit forward and backward passes, in plain numpy.

Each layer keeps what its backward pass needs from the last forward call and
exposes its parameters and their gradients as dicts of arrays, so a trainer
can treat every tensor (activation, weight, error, weight gradient) as a word
written to a scratchpad and corrupt it on the way. The layers compute in the
dtype of their input and parameters (float32 for training, float64 for the
finite-difference checks in the tests).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from models.errors import ConfigError


class Layer:
    """Base: a layer without parameters."""

    name = "layer"
    writes_output = True
    """False for views (Flatten) that move no data, so nothing is written to the scratchpad."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        return in_shape


class Linear(Layer):
    """y = x W + b with W of shape (in, out); He-initialised from ``rng``."""

    name = "linear"

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator):
        super().__init__()
        std = np.sqrt(2.0 / n_in)
        self.params = {
            "W": (rng.standard_normal((n_in, n_out)) * std).astype(np.float32),
            "b": np.zeros(n_out, np.float32),
        }

    def forward(self, x):
        self._x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        self.grads = {"W": self._x.T @ dy, "b": dy.sum(axis=0)}
        return dy @ self.params["W"].T

    def output_shape(self, in_shape):
        return (self.params["W"].shape[1],)


class ReLU(Layer):
    name = "relu"

    def forward(self, x):
        self._mask = x > 0
        return np.maximum(x, 0)  # NaN propagates, as in a framework's ReLU

    def backward(self, dy):
        return np.where(self._mask, dy, 0).astype(dy.dtype, copy=False)


class Flatten(Layer):
    name = "flatten"
    writes_output = False

    def forward(self, x):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return dy.reshape(self._shape)

    def output_shape(self, in_shape):
        return (int(np.prod(in_shape)),)


class Conv2D(Layer):
    """2-D convolution (stride 1, zero padding ``pad``) lowered to one GEMM through im2col.

    Input (N, C, H, W), weight (O, C, k, k), output (N, O, H + 2 pad − k + 1, ...).
    """

    name = "conv"

    def __init__(self, c_in: int, c_out: int, k: int, rng: np.random.Generator, pad: int = 0):
        super().__init__()
        std = np.sqrt(2.0 / (c_in * k * k))
        self.k, self.pad = k, pad
        self.params = {
            "W": (rng.standard_normal((c_out, c_in, k, k)) * std).astype(np.float32),
            "b": np.zeros(c_out, np.float32),
        }

    def output_shape(self, in_shape):
        c, h, w = in_shape
        ho, wo = h + 2 * self.pad - self.k + 1, w + 2 * self.pad - self.k + 1
        if ho < 1 or wo < 1:
            raise ConfigError("model", f"conv {self.k}x{self.k} does not fit a {h}x{w} input")
        return (self.params["W"].shape[0], ho, wo)

    def forward(self, x):
        n, c, h, w = x.shape
        p, k = self.pad, self.k
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        win = sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, Ho, Wo, k, k)
        ho, wo = win.shape[2], win.shape[3]
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * k * k)
        self._cols, self._xshape = cols, xp.shape
        wmat = self.params["W"].reshape(self.params["W"].shape[0], -1)
        y = cols @ wmat.T + self.params["b"]
        return np.ascontiguousarray(y.reshape(n, ho, wo, -1).transpose(0, 3, 1, 2))

    def backward(self, dy):
        o = dy.shape[1]
        n, c, hp, wp = self._xshape
        k, p = self.k, self.pad
        ho, wo = dy.shape[2], dy.shape[3]
        dyr = dy.transpose(0, 2, 3, 1).reshape(-1, o)
        wmat = self.params["W"].reshape(o, -1)
        self.grads = {"W": (dyr.T @ self._cols).reshape(self.params["W"].shape), "b": dyr.sum(axis=0)}
        dcols = (dyr @ wmat).reshape(n, ho, wo, c, k, k)
        dxp = np.zeros(self._xshape, dtype=dy.dtype)
        for i in range(k):  # col2im: k*k strided adds, each over the whole batch
            for j in range(k):
                dxp[:, :, i : i + ho, j : j + wo] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return dxp[:, :, p : hp - p, p : wp - p] if p else dxp


class MaxPool2D(Layer):
    """2x2 max pooling with stride 2; the gradient goes to the first maximum of each window."""

    name = "maxpool"

    def output_shape(self, in_shape):
        c, h, w = in_shape
        if h % 2 or w % 2:
            raise ConfigError("model", f"2x2 max pooling needs even height and width, got {h}x{w}")
        return (c, h // 2, w // 2)

    def forward(self, x):
        n, c, h, w = x.shape
        win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        self._arg = win.argmax(axis=-1)
        self._shape = x.shape
        return np.take_along_axis(win, self._arg[..., None], axis=-1)[..., 0]

    def backward(self, dy):
        n, c, h, w = self._shape
        win = np.zeros((n, c, h // 2, w // 2, 4), dtype=dy.dtype)
        np.put_along_axis(win, self._arg[..., None], dy[..., None], axis=-1)
        return win.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of integer ``labels`` and its gradient w.r.t. ``logits``.

    Non-finite logits (an exponent flip can write ±inf or NaN) give a non-finite
    loss, as they would in a real run; the caller records it.
    """
    n = logits.shape[0]
    with np.errstate(all="ignore"):
        z = logits - logits.max(axis=1, keepdims=True)
        ez = np.exp(z)
        s = ez.sum(axis=1, keepdims=True)
        logp = z - np.log(s)
        loss = float(-logp[np.arange(n), labels].mean())
        grad = ez / s
        grad[np.arange(n), labels] -= 1
        grad /= n
    return loss, grad.astype(logits.dtype, copy=False)
