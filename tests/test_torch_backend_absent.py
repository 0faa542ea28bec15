"""Without PyTorch the torch backend fails with a clear, actionable error (CI has no torch)."""

import sys

import pytest

from models.errors import ConfigError, NvmsimError
from models.nptrain import TrainConfig, load_dataset


def test_missing_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes ``import torch`` raise ImportError
    from models.nptrain import torch_backend

    assert not torch_backend.torch_available()
    with pytest.raises(NvmsimError, match=r"pip install nvmsim\[torch\]"):
        torch_backend.torch_models("mlp", (1, 8, 8), 10)
    with pytest.raises(NvmsimError, match=r"pip install nvmsim\[torch\]"):
        torch_backend.train_torch(object(), load_dataset("patterns", seed=0), TrainConfig(epochs=1))


def test_unknown_backend_is_a_config_error():
    from simulator.studies.write_errors import training_with_errors

    with pytest.raises(ConfigError, match="numpy, torch"):
        training_with_errors("mlp", "digits", (0.0,), epochs=1, backend="jax")
