"""Stochastic gradient descent with (heavy-ball) momentum, as PyTorch's ``torch.optim.SGD`` defines it."""

from __future__ import annotations

import numpy as np

from models.errors import ConfigError


class SGD:
    """v ← μ v + g;  w ← w − lr v (dampening 0, no Nesterov, no weight decay).

    The velocity buffers are optimizer state kept error-free: they are not one of the
    paper's three scratchpad structures (activations, weights, errors).
    """

    def __init__(self, lr: float = 0.05, momentum: float = 0.9):
        if not lr > 0:
            raise ConfigError("lr", f"must be positive, got {lr}")
        if not 0 <= momentum < 1:
            raise ConfigError("momentum", f"must be in [0, 1), got {momentum}")
        self.lr, self.momentum = float(lr), float(momentum)
        self._v: dict[tuple[int, str], np.ndarray] = {}

    def step(self, layers) -> None:
        """Update every parameter of ``layers`` in place from the gradients of the last backward pass."""
        for i, layer in enumerate(layers):
            for key, w in layer.params.items():
                g = layer.grads[key]
                v = self._v.get((i, key))
                v = g.copy() if v is None or self.momentum == 0 else self.momentum * v + g
                self._v[(i, key)] = v
                layer.params[key] = (w - self.lr * v).astype(w.dtype, copy=False)
