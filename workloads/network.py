"""A network: an ordered, shape-checked list of layers, and what can be asked of it.

Layers are in a topological order (every layer after the layers it reads), so
the forward pass runs them in order and the backward pass in reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.errors import ConfigError
from workloads.layers import Layer


@dataclass(frozen=True)
class Network:
    """A network built for one dataset and dtype; counts are per sample of a forward pass.

    ``variant`` says which architecture was chosen where a name has several
    (``caffe``, ``cifar``...); ``source`` names where the definition comes from.
    """

    name: str
    dataset: str
    dtype: str
    layers: tuple[Layer, ...]
    classes: int = 0
    variant: str = ""
    source: str = ""

    # -- counts -----------------------------------------------------------------------------------------
    @property
    def weights(self) -> int:
        """Trainable parameters (weights, biases, norm scales and shifts; tied weights once)."""
        return sum(layer.weights for layer in self.layers)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one sample's forward pass (conv, fc, attention matmuls)."""
        return sum(layer.macs for layer in self.layers)

    @property
    def conv_fc_layers(self) -> tuple[int, int]:
        """(CONV, FC) layer counts as DeepNVM++ Table III counts them: projection shortcuts excluded.

        A ResNet's 1×1 projection shortcuts are in :meth:`layer_counts` as ``conv_shortcut``.
        Fully connected layers applied per token (transformers) count as FC layers.
        """
        conv = sum(1 for layer in self.layers if layer.kind == "conv" and not layer.shortcut)
        fc = sum(1 for layer in self.layers if layer.kind == "fc")
        return conv, fc

    def layer_counts(self) -> dict[str, int]:
        """How many layers of each kind (``conv_shortcut`` separately)."""
        counts: dict[str, int] = {}
        for layer in self.layers:
            key = "conv_shortcut" if layer.shortcut else layer.kind
            counts[key] = counts.get(key, 0) + 1
        return counts

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.layers[0].out_shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.layers[-1].out_shape

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ConfigError("layer", f"no layer {name!r} in {self.name}")

    # -- lowering and tables ----------------------------------------------------------------------------
    def ops(self, phase: str = "inference", batch: int = 1, optimizer: str = "sgd") -> list:
        """The GEMM and element-wise ops of one step; see :func:`workloads.lowering.lower`."""
        from workloads.lowering import lower  # here, not at the top: lowering imports this module

        return lower(self, phase=phase, batch=batch, optimizer=optimizer)

    def table(self, phase: str = "inference", batch: int = 1, optimizer: str = "sgd"):
        """Per-layer DataFrame of shapes, weights, MACs and bytes; see :func:`workloads.table.layer_table`."""
        from workloads.table import layer_table  # here, not at the top: tables import this module

        return layer_table(self, phase=phase, batch=batch, optimizer=optimizer)

    def __repr__(self) -> str:
        return (f"Network({self.name!r}, dataset={self.dataset!r}, dtype={self.dtype!r}, layers={len(self.layers)}, "
                f"weights={self.weights:,}, macs={self.macs:,})")
