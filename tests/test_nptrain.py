"""Numpy training: layer gradients vs central finite differences, conv vs scipy's correlate (an independent
implementation), clean training accuracy on scikit-learn's digits, scratchpad write accounting, and
training behaviour under write errors (seed paper §V-D: exponent errors break training, mantissa errors
cost little)."""

import numpy as np
import pytest
from scipy.signal import correlate

from models.bitflip import BitErrorRates
from models.errors import ConfigError
from models.nptrain import (
    Scratchpad,
    TrainConfig,
    WriteErrors,
    build_model,
    load_dataset,
    parse_structures,
    train,
)
from models.nptrain.layers import Conv2D, Flatten, Linear, MaxPool2D, ReLU, softmax_cross_entropy
from models.nptrain.train import train_step


def _num_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def _cast(layer):
    for k, v in layer.params.items():
        layer.params[k] = v.astype(np.float64)
    return layer


@pytest.mark.parametrize("make,shape", [
    (lambda r: Linear(5, 4, r), (3, 5)),
    (lambda r: Conv2D(2, 3, 3, r, pad=0), (2, 2, 5, 5)),
    (lambda r: Conv2D(2, 3, 3, r, pad=1), (2, 2, 4, 4)),
    (lambda r: Conv2D(1, 2, 5, r, pad=2), (1, 1, 4, 4)),
    (lambda r: MaxPool2D(), (2, 2, 4, 6)),
    (lambda r: ReLU(), (3, 7)),
    (lambda r: Flatten(), (2, 3, 2, 2)),
])
def test_layer_gradients_match_finite_differences(make, shape):
    rng = np.random.default_rng(0)
    layer = _cast(make(rng))
    x = rng.standard_normal(shape)
    y0 = layer.forward(x)
    proj = rng.standard_normal(y0.shape)

    def loss():
        return float((layer.forward(x) * proj).sum())

    layer.forward(x)
    dx = layer.backward(proj.copy())
    np.testing.assert_allclose(dx, _num_grad(loss, x), rtol=1e-5, atol=1e-7)
    for key, p in layer.params.items():
        np.testing.assert_allclose(layer.grads[key], _num_grad(loss, p), rtol=1e-5, atol=1e-7)


def test_conv_forward_matches_scipy_correlate():
    rng = np.random.default_rng(1)
    conv = _cast(Conv2D(3, 4, 3, rng, pad=1))
    conv.params["b"] = rng.standard_normal(4)
    x = rng.standard_normal((2, 3, 6, 5))
    y = conv.forward(x)
    for n in range(2):
        for o in range(4):
            ref = sum(correlate(x[n, c], conv.params["W"][o, c], mode="same") for c in range(3)) + conv.params["b"][o]
            np.testing.assert_allclose(y[n, o], ref, rtol=1e-12, atol=1e-12)


def test_softmax_cross_entropy_value_and_gradient():
    # uniform logits: loss = ln(10) exactly
    loss, _ = softmax_cross_entropy(np.zeros((4, 10)), np.arange(4))
    assert loss == pytest.approx(np.log(10))
    rng = np.random.default_rng(2)
    z = rng.standard_normal((5, 7))
    labels = rng.integers(0, 7, 5)
    _, g = softmax_cross_entropy(z, labels)
    np.testing.assert_allclose(g, _num_grad(lambda: softmax_cross_entropy(z, labels)[0], z), rtol=1e-5, atol=1e-8)
    bad, _ = softmax_cross_entropy(np.array([[np.inf, 0.0], [np.nan, 1.0]]), np.array([0, 1]))
    assert not np.isfinite(bad)


@pytest.mark.parametrize("name", ["mlp", "small_cnn", "lenet5"])
def test_whole_network_gradient(name):
    rng = np.random.default_rng(3)
    net = build_model(name, (1, 8, 8), 4, seed=1).astype(np.float64)
    x = rng.standard_normal((3, 1, 8, 8))
    labels = np.array([0, 3, 1])

    def loss():
        return softmax_cross_entropy(net.forward(x), labels)[0]

    _, d = softmax_cross_entropy(net.forward(x), labels)
    for layer in reversed(net.layers):
        d = layer.backward(d)
    for layer in (net.param_layers()[0], net.param_layers()[-1]):
        w = layer.params["W"]
        for flat in rng.choice(w.size, 25, replace=False):  # a random subset keeps the check fast
            i = np.unravel_index(flat, w.shape)
            old, eps = w[i], 1e-6
            w[i] = old + eps
            fp = loss()
            w[i] = old - eps
            fm = loss()
            w[i] = old
            assert layer.grads["W"][i] == pytest.approx((fp - fm) / (2 * eps), rel=1e-4, abs=1e-7)


def test_lenet5_shapes():
    net = build_model("lenet5", (1, 32, 32), 10)
    convs = [la for la in net.layers if isinstance(la, Conv2D)]
    assert [c.pad for c in convs] == [0, 0]  # classic LeNet-5 geometry: 32→28→14→10→5
    assert net.param_layers()[2].params["W"].shape == (400, 120)
    small = build_model("lenet5", (1, 8, 8), 10)
    assert small.param_layers()[2].params["W"].shape == (64, 120)
    assert small.forward(np.zeros((2, 1, 8, 8), np.float32)).shape == (2, 10)


def test_clean_mlp_learns_digits():
    data = load_dataset("digits", seed=0)
    assert data.x_train.shape[1:] == (1, 8, 8) and len(data.y_train) + len(data.y_test) == 1797
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    hist = train(net, data, TrainConfig(epochs=4, seed=0))
    assert hist[-1]["test_accuracy"] > 0.90
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    assert net.param_layers()[0].params["W"].dtype == np.float32


def test_clean_lenet5_learns_digits():
    data = load_dataset("digits", seed=0)
    net = build_model("lenet5", data.in_shape, data.n_classes, seed=0)
    hist = train(net, data, TrainConfig(epochs=2, seed=0))
    assert hist[-1]["test_accuracy"] > 0.85


def test_patterns_dataset_is_seeded_and_learnable():
    a, b, c = load_dataset("patterns", seed=4), load_dataset("patterns", seed=4), load_dataset("patterns", seed=5)
    assert np.array_equal(a.x_train, b.x_train) and not np.array_equal(a.x_train, c.x_train)
    assert a.x_train.dtype == np.float32 and a.n_classes == 10
    net = build_model("mlp", a.in_shape, a.n_classes, seed=0)
    hist = train(net, a, TrainConfig(epochs=3, seed=0))
    assert hist[-1]["test_accuracy"] > 0.6  # chance is 0.1


def test_scratchpad_counts_every_write():
    # MLP 64-128-64-10 on a batch of 8: activations = input 512 + 128 + 128 + 64 + 64 + 10 (Flatten moves nothing);
    # errors = dlogits 10 + dx of layers 2..5 (64, 64, 128, 128; none below the first Linear) + weight grads;
    # weights = every parameter once per update.
    data = load_dataset("digits", seed=0)
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    from models.nptrain.optim import SGD

    pad = Scratchpad(WriteErrors(), np.random.default_rng(0))
    train_step(net, SGD(), pad, data.x_train[:8], data.y_train[:8])
    n_params = net.n_params()
    assert pad.words["activations"] == 8 * (64 + 128 + 128 + 64 + 64 + 10)
    assert pad.words["weights"] == n_params
    assert pad.words["errors"] == 8 * (10 + 64 + 64 + 128 + 128) + n_params
    assert pad.flips == dict.fromkeys(pad.flips, 0)


def test_flip_count_matches_rate_during_training():
    data = load_dataset("digits", seed=0)
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    rates = BitErrorRates.parse(1e-3, "low:8")
    hist = train(net, data, TrainConfig(epochs=1), WriteErrors.on(rates, "weights+errors"))
    words = hist[0]["words_written"]
    assert 0 < hist[0]["bits_flipped"] < words * 8 * 1e-3  # activations are clean, so fewer than all words x rate
    # every structure: flips over the epoch are Binomial(words x 23, 1e-3) (mantissa-only errors never diverge)
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    rec = train(net, data, TrainConfig(epochs=1), WriteErrors.on(BitErrorRates.parse(1e-3, "mantissa")))[0]
    trials = rec["words_written"] * 23
    assert abs(rec["bits_flipped"] - trials * 1e-3) < 5 * np.sqrt(trials * 1e-3)


def test_zero_rate_equals_clean_and_seed_determinism():
    data = load_dataset("digits", seed=0)
    runs = []
    for errors in (None, WriteErrors.on(BitErrorRates.none()), WriteErrors.on(BitErrorRates.parse(1e-3, "mantissa"))):
        net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
        runs.append(train(net, data, TrainConfig(epochs=1), errors))
    assert runs[0] == runs[1]
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    again = train(net, data, TrainConfig(epochs=1), WriteErrors.on(BitErrorRates.parse(1e-3, "mantissa")))
    assert again == runs[2] and again[0]["bits_flipped"] > 0


def test_exponent_errors_diverge_mantissa_errors_do_not():
    data = load_dataset("digits", seed=0)
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    hist = train(net, data, TrainConfig(epochs=2), WriteErrors.on(BitErrorRates.parse(1e-2, "sign+exponent")))
    assert hist[-1]["diverged"] and np.isnan(hist[-1]["train_loss"]) and hist[-1]["nonfinite_batches"] > 0
    assert hist[-1]["test_accuracy"] < 0.3
    net = build_model("mlp", data.in_shape, data.n_classes, seed=0)
    hist = train(net, data, TrainConfig(epochs=3), WriteErrors.on(BitErrorRates.parse(1e-2, "mantissa")))
    assert not hist[-1]["diverged"] and hist[-1]["test_accuracy"] > 0.85


def test_bad_names():
    with pytest.raises(ConfigError, match="lenet5"):
        build_model("resnet", (1, 8, 8), 10)
    with pytest.raises(ConfigError, match="digits"):
        load_dataset("mnist")
    with pytest.raises(ConfigError, match="structure"):
        parse_structures("weights+bogus")
    assert parse_structures("all") == ("activations", "weights", "errors")
    with pytest.raises(ConfigError, match="epochs"):
        TrainConfig(epochs=0)


def test_torch_conv_agrees_when_available():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    conv = _cast(Conv2D(2, 3, 5, rng, pad=2))
    x = rng.standard_normal((2, 2, 8, 8))
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(conv.params["W"]),
                                     torch.tensor(conv.params["b"]), padding=2).numpy()
    np.testing.assert_allclose(conv.forward(x), ref, rtol=1e-10, atol=1e-10)
