"""Datasets a network is built for: the per-sample input shape and the number of classes.

Only shapes matter here (no data is read). Image inputs are channel-first ``(C, H, W)``;
text inputs are a sequence of token ids ``(T,)`` whose length is chosen per model.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.errors import ConfigError
from workloads.ops import DTYPE_BYTES


@dataclass(frozen=True)
class Dataset:
    """A dataset's input geometry: ``shape`` per sample (``(C, H, W)``; ``()`` for text) and ``classes``."""

    name: str
    shape: tuple[int, ...]
    classes: int
    kind: str = "image"


DATASETS: dict[str, Dataset] = {
    # ImageNet ILSVRC-2012: 224x224 RGB crops, 1000 classes (227 for the Caffe AlexNet / SqueezeNet v1.0,
    # chosen by the network builder, not here).
    "imagenet": Dataset("imagenet", (3, 224, 224), 1000),
    "cifar10": Dataset("cifar10", (3, 32, 32), 10),
    "cifar100": Dataset("cifar100", (3, 32, 32), 100),
    "mnist": Dataset("mnist", (1, 28, 28), 10),
    # Token sequences for the transformer models; the length comes from the model (``seq_len``).
    "text": Dataset("text", (), 0, kind="text"),
}

DTYPES = ("fp32", "fp16", "bf16", "int8")
"""Element types a network can be built in (``fp32`` by default)."""


def get_dataset(name: str) -> Dataset:
    """Look a dataset up by name; an unknown name is a :class:`ConfigError` listing the valid ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ConfigError("dataset", f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}") from None


def check_dtype(dtype: str) -> str:
    if dtype not in DTYPES:
        raise ConfigError("dtype", f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    assert dtype in DTYPE_BYTES
    return dtype
