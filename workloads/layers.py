"""One layer of a network with exact per-sample shapes and counts.

A :class:`Layer` is plain data: what it computes (``kind``), which layers feed
it, the shapes it reads and writes **per sample** (batch is applied when the
network is lowered), its weights and its multiply-accumulates. Counts are
exact integers; ``flops`` is the (approximate) non-MAC arithmetic of
element-wise layers and never enters ``macs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from workloads.ops import DTYPE_BYTES

KINDS = (
    "input",  # the network's input (images or token ids)
    "conv",  # 2-D convolution, ``groups`` > 1 for grouped / depthwise
    "fc",  # fully connected; on a (T, D) input it is applied to every token
    "pool",  # ``op`` = "max" | "avg"; global pooling is a pool whose kernel is the whole map
    "activation",  # ``op`` = "relu" | "relu6" | "gelu" | "tanh" | "sigmoid"
    "batchnorm",
    "layernorm",
    "add",  # residual add of two tensors of the same shape
    "concat",  # along channels (C, H, W) or tokens (T, D)
    "lrn",  # local response normalisation across ``kernel[0]`` channels
    "softmax",
    "dropout",  # identity for counts (no op is lowered)
    "reshape",  # flatten / view / (C,H,W) -> (H*W, C) tokens: identity for counts
    "matmul",  # attention: ``op`` = "qk" (scores = Q K^T per head) | "av" (context = P V per head)
    "embedding",  # token-id lookup into a (vocab, D) table
    "pos_embed",  # adds a learned table (and optional class tokens) to a (T, D) sequence
    "select",  # picks one token of a (T, D) sequence (BERT pooler, ViT head)
)

WEIGHTED = ("conv", "fc", "batchnorm", "layernorm", "embedding", "pos_embed")
ALIASES = ("dropout", "reshape")
"""Kinds whose output is the same buffer as their input (no data is moved)."""


@dataclass(frozen=True)
class Layer:
    """A layer with exact per-sample shapes; see :data:`KINDS` for what each ``kind`` means.

    ``weight_shape`` is the main parameter tensor (``()`` when none; conv:
    ``(out_c, in_c/groups, kh, kw)``, fc: ``(out, in)``, norm: ``(C,)``,
    embedding: ``(vocab, D)``), ``bias_elements`` the bias (or norm shift).
    ``shares_weight`` names the layer whose weight tensor this one uses (GPT-2's
    LM head is tied to the token embedding), so its weights are not counted twice.
    ``shortcut`` marks a projection-shortcut convolution of a ResNet (DeepNVM++
    Table III does not count those among the CONV layers).
    """

    name: str
    kind: str
    inputs: tuple[str, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    weight_shape: tuple[int, ...] = ()
    bias_elements: int = 0
    macs: int = 0
    flops: int = 0
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    heads: int = 0
    op: str = ""
    shares_weight: str = ""
    shortcut: bool = False
    dtype: str = "fp32"

    @property
    def in_shape(self) -> tuple[int, ...]:
        """The first input's per-sample shape (``()`` for the input layer)."""
        return self.in_shapes[0] if self.in_shapes else ()

    @property
    def weight_elements(self) -> int:
        """Elements of this layer's own weight tensor (0 if none or shared)."""
        if not self.weight_shape or self.shares_weight:
            return 0
        return prod(self.weight_shape)

    @property
    def weights(self) -> int:
        """Trainable parameters owned by this layer (weight + bias)."""
        return self.weight_elements + self.bias_elements

    @property
    def out_elements(self) -> int:
        return prod(self.out_shape)

    @property
    def itemsize_B(self) -> int:
        return DTYPE_BYTES[self.dtype]

    @property
    def weight_B(self) -> int:
        """Bytes of the parameters this layer owns."""
        return self.weights * self.itemsize_B

    @property
    def out_B(self) -> int:
        """Bytes of one sample's output activation."""
        return self.out_elements * self.itemsize_B

    @property
    def in_B(self) -> int:
        """Bytes of one sample's inputs (all of them)."""
        return sum(prod(s) for s in self.in_shapes) * self.itemsize_B
