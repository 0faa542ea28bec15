"""Optional PyTorch (CPU) backend: the same write-error training as :func:`models.nptrain.train`, on any nn.Module.

Bigger networks than the numpy layers can handle train here with the same error
model: every tensor goes through the numpy :class:`~models.nptrain.Scratchpad`
(so the very same :func:`models.bitflip.flip_bits` corrupts its fp32 words) at the
same places as the numpy trainer:

* activations — the network input and the output of every leaf module (forward
  hooks), except pure views (``Flatten``, ``Unflatten``, ``Identity``) that move no data;
* errors — the loss gradient w.r.t. the logits, the gradient w.r.t. the input of every
  such module (full backward hooks; none for the first layer, whose input needs no
  gradient) and every weight gradient;
* weights — every parameter after each optimizer step (``torch.optim.SGD``, which
  defines the same update as the numpy :class:`~models.nptrain.SGD`).

A corrupted activation replaces the module output in the forward pass while the
gradient passes through unchanged (the write is an identity for the chain rule).
Torch is imported inside the functions, so importing this module never needs it.
On a CPU shared with other jobs, ``torch.set_num_threads(1)`` avoids OpenMP
oversubscription (measured 40-50x slower with 2 threads on a loaded 2-core machine).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from models.errors import NvmsimError
from models.nptrain.data import Dataset
from models.nptrain.layers import Conv2D, Flatten, Linear, MaxPool2D, ReLU
from models.nptrain.nets import build_model
from models.nptrain.optim import SGD
from models.nptrain.train import Scratchpad, TrainConfig, WriteErrors

_INSTALL_HINT = "the torch backend needs PyTorch: pip install nvmsim[torch] (CPU wheels suffice)"
_VIEW_MODULES = ("Flatten", "Unflatten", "Identity")


def _torch():
    try:
        import torch  # the optional extra nvmsim[torch], needed only here
    except ImportError as exc:
        raise NvmsimError(f"backend: {_INSTALL_HINT} ({exc})") from None
    return torch


def torch_available() -> bool:
    """True when PyTorch can be imported."""
    try:
        _torch()
    except NvmsimError:
        return False
    return True


def to_torch(net):
    """An ``nn.Sequential`` with the same layers and the same initial weights as a numpy ``Sequential``.

    Sharing the initial weights lets a torch run be compared with a numpy run of the same seed.
    """
    torch = _torch()

    mods = []
    for layer in net.layers:
        if isinstance(layer, Linear):
            w = layer.params["W"]
            m = torch.nn.Linear(w.shape[0], w.shape[1])
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
                m.bias.copy_(torch.from_numpy(layer.params["b"]))
        elif isinstance(layer, Conv2D):
            w = layer.params["W"]
            m = torch.nn.Conv2d(w.shape[1], w.shape[0], layer.k, padding=layer.pad)
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(w))
                m.bias.copy_(torch.from_numpy(layer.params["b"]))
        elif isinstance(layer, ReLU):
            m = torch.nn.ReLU()
        elif isinstance(layer, MaxPool2D):
            m = torch.nn.MaxPool2d(2)
        elif isinstance(layer, Flatten):
            m = torch.nn.Flatten()
        else:  # pragma: no cover - every numpy layer type is listed above
            raise NvmsimError(f"model: no torch equivalent for layer {layer.name!r}")
        mods.append(m)
    return torch.nn.Sequential(*mods)


def torch_models(name: str, in_shape, n_classes: int, seed: int = 0):
    """The registered network ``name`` (lenet5, small_cnn, mlp) as a torch module, weights as ``build_model``."""
    _torch()
    return to_torch(build_model(name, in_shape, n_classes, seed=seed))


class _Write:
    """Routes torch tensors through a numpy Scratchpad (one fp32 word per element)."""

    def __init__(self, torch, pad: Scratchpad):
        self.torch, self.pad = torch, pad
        self.enabled = True

        class _Replace(torch.autograd.Function):
            """Forward: the corrupted copy; backward: the gradient unchanged (a write is an identity)."""

            @staticmethod
            def forward(ctx, x, y):
                return y

            @staticmethod
            def backward(ctx, g):
                return g, None

        self._replace = _Replace

    def raw(self, t, structure: str):
        """The tensor as read back after a write (no autograd link)."""
        if not self.enabled:
            return t
        if getattr(self.pad.errors, structure).is_zero:
            self.pad.words[structure] += t.numel()
            return t
        y = self.pad.write(t.detach().to("cpu", self.torch.float32).numpy(), structure)
        return self.torch.from_numpy(y).to(t.device, t.dtype)

    def through(self, t, structure: str):
        """Like :meth:`raw` but keeps ``t`` in the autograd graph."""
        y = self.raw(t, structure)
        if y is t or not t.requires_grad:
            return y
        return self._replace.apply(t, y)


def _leaf_modules(model):
    return [m for m in model.modules() if not list(m.children()) and type(m).__name__ not in _VIEW_MODULES]


def _accuracy(torch, model, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """Error-free argmax accuracy (argmax in numpy, so NaN logits predict like the numpy trainer's)."""
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch_size):
            logits = model(torch.from_numpy(np.ascontiguousarray(x[i : i + batch_size]))).numpy()
            with np.errstate(all="ignore"):
                correct += int((logits.argmax(axis=1) == y[i : i + batch_size]).sum())
    return correct / len(y)


def train_torch(
    model,
    data: Dataset,
    config: TrainConfig | None = None,
    errors: WriteErrors | None = None,
    seed: int | None = None,
    callback: Callable[[dict], None] | None = None,
    scratchpad: Scratchpad | None = None,
) -> list[dict]:
    """Train a torch ``model`` on ``data`` with write errors; one record per epoch, as :func:`train` returns.

    Parameters
    ----------
    model : torch.nn.Module taking (N, *data.in_shape) float32 and returning (N, n_classes) logits.
    data, config, errors, callback : as for :func:`models.nptrain.train`.
    seed : seeds the batch order, the bit errors (independent numpy streams, as the numpy trainer) and
        ``torch.manual_seed``; ``None`` uses ``config.seed``.
    scratchpad : optional :class:`Scratchpad` to use (its ``words``/``flips`` give per-structure counts).

    Returns
    -------
    list of dicts with ``epoch``, ``train_loss``, ``nonfinite_batches``, ``test_accuracy``,
    ``train_accuracy``, ``words_written``, ``bits_flipped`` and ``diverged``.
    """
    torch = _torch()
    config = config or TrainConfig()
    errors = errors or WriteErrors()
    seed = config.seed if seed is None else int(seed)
    torch.manual_seed(seed)
    order_rng = np.random.default_rng([seed, 0])
    pad = scratchpad if scratchpad is not None else Scratchpad(errors, np.random.default_rng([seed, 1]))
    if pad.errors != errors:
        raise NvmsimError("scratchpad: its write errors differ from the errors argument")
    write = _Write(torch, pad)

    SGD(config.lr, config.momentum)  # the same validation (lr > 0, momentum in [0, 1)) as the numpy path
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
    leaves = _leaf_modules(model)
    handles = []
    for m in leaves:
        handles.append(m.register_forward_hook(lambda _m, _inp, out: write.through(out, "activations")))

        def bwd(_m, grad_input, _grad_output):
            return tuple(None if g is None else write.raw(g, "errors") for g in grad_input)

        handles.append(m.register_full_backward_hook(bwd))
    n = len(data.y_train)
    history = []
    diverged = False
    try:
        for epoch in range(1, config.epochs + 1):
            model.train()
            order = order_rng.permutation(n)
            losses = []
            words0, flips0 = sum(pad.words.values()), sum(pad.flips.values())
            for i in range(0, n, config.batch_size):
                idx = order[i : i + config.batch_size]
                xb = write.raw(torch.from_numpy(np.ascontiguousarray(data.x_train[idx])), "activations")
                yb = torch.from_numpy(data.y_train[idx].astype(np.int64))
                logits = model(xb)
                if logits.requires_grad:
                    logits.register_hook(lambda g: write.raw(g, "errors"))
                loss = torch.nn.functional.cross_entropy(logits, yb)
                opt.zero_grad(set_to_none=True)
                with warnings.catch_warnings():  # "no inputs require gradients" on the first layer: expected
                    warnings.simplefilter("ignore", UserWarning)
                    loss.backward()
                with torch.no_grad():
                    for p in params:
                        if p.grad is not None:
                            p.grad.copy_(write.raw(p.grad, "errors"))
                    opt.step()
                    for p in params:
                        p.copy_(write.raw(p, "weights"))
                losses.append(float(loss.detach()))
            losses = np.asarray(losses)
            nonfinite = int((~np.isfinite(losses)).sum())
            with torch.no_grad():
                weights_ok = all(bool(torch.isfinite(p).all()) for p in params)
            diverged = diverged or nonfinite > 0 or not weights_ok
            model.eval()
            write.enabled = False  # accuracy is measured on the weights as stored, error-free forward
            rec = {
                "epoch": epoch,
                "train_loss": float(losses.mean()) if nonfinite == 0 else float("nan"),
                "nonfinite_batches": nonfinite,
                "test_accuracy": _accuracy(torch, model, data.x_test, data.y_test),
                "train_accuracy": _accuracy(torch, model, data.x_train, data.y_train),
                "words_written": sum(pad.words.values()) - words0,
                "bits_flipped": sum(pad.flips.values()) - flips0,
                "diverged": diverged,
            }
            write.enabled = True
            history.append(rec)
            if callback is not None:
                callback(rec)
    finally:
        for h in handles:
            h.remove()
    return history
