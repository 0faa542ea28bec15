"""Datasets that need no download: scikit-learn's bundled 8x8 digits and a seeded procedural set.

Both come as images (N, 1, H, W) of float32 in roughly [0, 1] with integer
labels, split into train and test by a seeded permutation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.errors import ConfigError


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def in_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def _split(name, x, y, n_classes, test_fraction, seed) -> Dataset:
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError("test_fraction", f"must be in (0, 1), got {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = max(1, int(round(test_fraction * len(y))))
    te, tr = order[:n_test], order[n_test:]
    return Dataset(name, x[tr], y[tr], x[te], y[te], n_classes)


def digits(seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's bundled handwritten digits (1797 images, 8x8, 16 grey levels), scaled to [0, 1]."""
    try:
        from sklearn.datasets import load_digits  # the optional extra nvmsim[train], needed only here
    except ImportError:  # pragma: no cover - sklearn is in the test extra
        raise ConfigError("dataset", "'digits' needs scikit-learn (pip install nvmsim[train])") from None
    d = load_digits()
    x = (d.images.astype(np.float32) / np.float32(16.0))[:, None, :, :]
    return _split("digits", x, d.target.astype(np.int64), 10, test_fraction, seed)


def patterns(
    seed: int = 0, test_fraction: float = 0.2, n_samples: int = 2000, n_classes: int = 10, size: int = 8
) -> Dataset:
    """Procedural images: one smooth random template per class, randomly shifted by up to one pixel,
    scaled in contrast and overlaid with Gaussian noise. Everything is drawn from ``seed``."""
    if n_samples < 2 * n_classes:
        raise ConfigError("n_samples", f"must be at least twice n_classes ({2 * n_classes}), got {n_samples}")
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((n_classes, size, size))
    for _ in range(2):  # 3x3 box blur (periodic) makes the templates smooth, like strokes rather than noise
        t = sum(np.roll(np.roll(t, dy, 1), dx, 2) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9.0
    t = (t - t.min(axis=(1, 2), keepdims=True)) / np.ptp(t, axis=(1, 2), keepdims=True)
    y = rng.integers(0, n_classes, n_samples)
    x = t[y]
    shifts = rng.integers(-1, 2, (n_samples, 2))
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            sel = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
            x[sel] = np.roll(np.roll(x[sel], dy, 1), dx, 2)
    x = x * rng.uniform(0.7, 1.3, (n_samples, 1, 1)) + 0.25 * rng.standard_normal(x.shape)
    return _split("patterns", x[:, None].astype(np.float32), y.astype(np.int64), n_classes, test_fraction, seed)


DATASETS: dict[str, Callable[..., Dataset]] = {"digits": digits, "patterns": patterns}


def load_dataset(name: str, seed: int = 0, **kwargs) -> Dataset:
    """A registered dataset by name; ``seed`` fixes the split (and, for ``patterns``, the data)."""
    if name not in DATASETS:
        raise ConfigError("dataset", f"unknown dataset {name!r}; valid: {', '.join(sorted(DATASETS))}")
    return DATASETS[name](seed=seed, **kwargs)
