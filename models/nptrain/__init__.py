"""Numpy-only training of small networks with write errors injected into every scratchpad write.

    from models.nptrain import build_model, load_dataset, train, TrainConfig, WriteErrors
    from models.bitflip import BitErrorRates
    data = load_dataset("digits", seed=0)
    net = build_model("lenet5", data.in_shape, data.n_classes, seed=0)
    hist = train(net, data, TrainConfig(epochs=5), WriteErrors.on(BitErrorRates.parse(1e-4, "mantissa")))
"""

from models.nptrain.data import DATASETS, Dataset, load_dataset
from models.nptrain.nets import MODELS, Sequential, build_model
from models.nptrain.optim import SGD
from models.nptrain.train import STRUCTURES, Scratchpad, TrainConfig, WriteErrors, parse_structures, train

__all__ = [
    "DATASETS",
    "MODELS",
    "SGD",
    "STRUCTURES",
    "Dataset",
    "Scratchpad",
    "Sequential",
    "TrainConfig",
    "WriteErrors",
    "build_model",
    "load_dataset",
    "parse_structures",
    "train",
]
