"""The optional PyTorch backend: same write-error model as the numpy trainer, checked against it and statistics."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from models.bitflip import BitErrorRates  # noqa: E402
from models.nptrain import Scratchpad, TrainConfig, WriteErrors, build_model, load_dataset, train  # noqa: E402
from models.nptrain.torch_backend import torch_models, train_torch  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return load_dataset("digits", seed=0)


def _mlp(data):
    return torch_models("mlp", data.in_shape, data.n_classes, seed=0)


def test_clean_mlp_learns_and_matches_numpy(data):
    torch.set_num_threads(1)
    hist = train_torch(_mlp(data), data, TrainConfig(epochs=3))
    assert hist[-1]["test_accuracy"] > 0.90 and not hist[-1]["diverged"] and hist[-1]["bits_flipped"] == 0
    # Oracle written by nobody here: PyTorch's own autograd and SGD, against the numpy trainer from the same
    # initial weights and batch order; the written word counts must agree exactly, accuracy to within a sample.
    ref = train(build_model("mlp", data.in_shape, data.n_classes, seed=0), data, TrainConfig(epochs=3))
    assert [r["words_written"] for r in hist] == [r["words_written"] for r in ref]
    for a, b in zip(hist, ref, strict=True):
        assert abs(a["test_accuracy"] - b["test_accuracy"]) <= 2 / len(data.y_test)
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-3)


def test_mantissa_errors_train_exponent_errors_diverge(data):
    hist = train_torch(_mlp(data), data, TrainConfig(epochs=2), WriteErrors.on(BitErrorRates.parse(1e-2, "mantissa")))
    assert not hist[-1]["diverged"] and hist[-1]["test_accuracy"] > 0.85 and hist[-1]["bits_flipped"] > 0
    hist = train_torch(_mlp(data), data, TrainConfig(epochs=1),
                       WriteErrors.on(BitErrorRates.parse(1e-3, "sign+exponent")))
    assert hist[-1]["diverged"] and np.isnan(hist[-1]["train_loss"]) and hist[-1]["nonfinite_batches"] > 0


@pytest.mark.parametrize("structure", ["activations", "weights", "errors"])
def test_flip_counts_per_structure_are_binomial(data, structure):
    wer, bits = 1e-4, "all"
    errors = WriteErrors.on(BitErrorRates.parse(wer, bits), structure)
    pad = Scratchpad(errors, np.random.default_rng([0, 1]))
    train_torch(_mlp(data), data, TrainConfig(epochs=1), errors, scratchpad=pad)
    n_bits = 32 * pad.words[structure]
    mean, sd = wer * n_bits, np.sqrt(wer * (1 - wer) * n_bits)
    assert pad.words[structure] > 0 and abs(pad.flips[structure] - mean) < 5 * sd  # binomial, 5 sigma
    assert all(pad.flips[s] == 0 for s in pad.flips if s != structure)


def test_same_seed_same_history(data):
    errors = WriteErrors.on(BitErrorRates.parse(1e-3, "all"))
    a = train_torch(_mlp(data), data, TrainConfig(epochs=1), errors, seed=3)
    b = train_torch(_mlp(data), data, TrainConfig(epochs=1), errors, seed=3)
    c = train_torch(_mlp(data), data, TrainConfig(epochs=1), errors, seed=4)
    assert a == b or (np.isnan(a[0]["train_loss"]) and {**a[0], "train_loss": 0} == {**b[0], "train_loss": 0})
    assert a[0]["bits_flipped"] != c[0]["bits_flipped"]


def test_lenet5_and_small_cnn_forward_like_numpy(data):
    x = data.x_test[:4]
    for name in ("lenet5", "small_cnn"):
        ref = build_model(name, data.in_shape, data.n_classes, seed=1).forward(x)
        with torch.no_grad():
            out = torch_models(name, data.in_shape, data.n_classes, seed=1)(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_cli_and_study_backend_torch(capsys):
    from simulator.cli import main
    from simulator.studies.write_errors import training_with_errors

    df = training_with_errors("mlp", "digits", (0.0,), ("mantissa",), epochs=1, backend="torch")
    ref = training_with_errors("mlp", "digits", (0.0,), ("mantissa",), epochs=1)
    assert list(df.columns) == list(ref.columns) and df.words_written.iloc[0] == ref.words_written.iloc[0]
    assert main(["train-with-errors", "--model", "mlp", "--wer", "0", "--epochs", "1", "--backend", "torch"]) == 0
    assert "test_accuracy" in capsys.readouterr().out
