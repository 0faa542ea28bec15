"""The network zoo: named architectures built for a dataset and dtype.

>>> from workloads import zoo
>>> net = zoo.get("alexnet", dataset="imagenet")
>>> net.weights, net.macs
(60965224, 724406816)

A name may have several variants chosen by the dataset: ``alexnet`` on
ImageNet is the Caffe AlexNet DeepNVM++ profiled, on CIFAR the 32×32 AlexNet;
``vgg16`` / ``resnet18`` / ``resnet34`` likewise (see :data:`ENTRIES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from models.errors import ConfigError
from workloads.builder import Builder
from workloads.datasets import check_dtype, get_dataset
from workloads.nets import cnn, transformers
from workloads.network import Network


@dataclass(frozen=True)
class Variant:
    """One architecture of a zoo name for a group of datasets."""

    build: Callable[..., None]
    variant: str
    source: str
    image_size: int | None = None  # overrides the dataset's H = W (227 for the Caffe nets)


@dataclass(frozen=True)
class Entry:
    name: str
    default_dataset: str
    variants: dict  # dataset name -> Variant
    description: str


_CIFAR = ("cifar10", "cifar100")


def _image_entry(name, description, imagenet: Variant | None = None, cifar: Variant | None = None,
                 mnist: Variant | None = None, default="imagenet") -> Entry:
    variants = {}
    if imagenet:
        variants["imagenet"] = imagenet
    if cifar:
        variants.update({d: cifar for d in _CIFAR})
    if mnist:
        variants["mnist"] = mnist
    return Entry(name, default, variants, description)


_TORCHVISION = "torchvision.models"
_KUANGLIU = "kuangliu/pytorch-cifar models/"

ENTRIES: dict[str, Entry] = {e.name: e for e in [
    _image_entry("alexnet", "AlexNet (Caffe, grouped convs + LRN, as DeepNVM++ profiled; CIFAR: 32x32 AlexNet)",
                 imagenet=Variant(cnn.alexnet_caffe, "caffe", "BVLC Caffe bvlc_alexnet", 227),
                 cifar=Variant(cnn.alexnet_cifar, "cifar", "bearpaw/pytorch-classification models/cifar/alexnet.py")),
    _image_entry("googlenet", "GoogLeNet / Inception v1 (Caffe, no aux heads)",
                 imagenet=Variant(cnn.googlenet, "caffe", "BVLC Caffe bvlc_googlenet")),
    _image_entry("vgg16", "VGG-16 (configuration D; CIFAR: with batch-norm, one FC)",
                 imagenet=Variant(cnn.vgg16, "torchvision", f"{_TORCHVISION}.vgg16"),
                 cifar=Variant(lambda b, c: cnn.vgg16(b, c, batchnorm=True, head=()), "cifar", f"{_KUANGLIU}vgg.py")),
    _image_entry("resnet18", "ResNet-18 (BasicBlock [2,2,2,2]; CIFAR: 3x3 stem, no max-pool)",
                 imagenet=Variant(cnn.resnet, "torchvision", f"{_TORCHVISION}.resnet18"),
                 cifar=Variant(lambda b, c: cnn.resnet(b, c, cifar=True), "cifar", f"{_KUANGLIU}resnet.py")),
    _image_entry("resnet34", "ResNet-34 (BasicBlock [3,4,6,3]; CIFAR: 3x3 stem, no max-pool)",
                 imagenet=Variant(lambda b, c: cnn.resnet(b, c, (3, 4, 6, 3)), "torchvision",
                                  f"{_TORCHVISION}.resnet34"),
                 cifar=Variant(lambda b, c: cnn.resnet(b, c, (3, 4, 6, 3), cifar=True), "cifar",
                               f"{_KUANGLIU}resnet.py")),
    _image_entry("squeezenet", "SqueezeNet v1.0 (Caffe, 227x227)",
                 imagenet=Variant(cnn.squeezenet, "caffe-v1.0", "DeepScale SqueezeNet_v1.0", 227)),
    _image_entry("lenet5", "LeNet-5 (MNIST; CIFAR 32x32 without padding)",
                 mnist=Variant(cnn.lenet5, "lenet5", "LeCun et al. 1998"),
                 cifar=Variant(cnn.lenet5, "lenet5", "LeCun et al. 1998"), default="mnist"),
    _image_entry("alexnet_darknet", "AlexNet as DarkNet defines it (no LRN, no groups), the one DeepNVM++ ran in "
                 "GPGPU-Sim",
                 imagenet=Variant(cnn.alexnet_darknet, "darknet", "pjreddie/darknet cfg/alexnet.cfg", 227)),
    _image_entry("mobilenetv2", "MobileNetV2 1.0 (inverted residuals, depthwise convs)",
                 imagenet=Variant(cnn.mobilenetv2, "torchvision", f"{_TORCHVISION}.mobilenet_v2")),
    _image_entry("vit_b16", "ViT-B/16 (12 layers, 768 wide, 12 heads, 16x16 patches)",
                 imagenet=Variant(transformers.vit_b16, "torchvision", f"{_TORCHVISION}.vit_b_16")),
    Entry("bert_base", "text", {"text": Variant(transformers.bert_base, "bert-base-uncased",
                                                "Devlin et al. 2019; HF BertModel")},
          "BERT-base encoder with pooler (12 layers, 768 wide), sequence 128"),
    Entry("gpt2", "text", {"text": Variant(transformers.gpt2, "gpt2-small", "Radford et al. 2019; HF GPT2LMHeadModel")},
          "GPT-2 small with tied LM head (12 layers, 768 wide), sequence 1024"),
]}

SEQ_LEN = {"bert_base": 128, "gpt2": 1024}
"""Default sequence length of the text models."""


def names() -> list[str]:
    """The zoo's network names, in a stable order."""
    return list(ENTRIES)


def get(name: str, dataset: str | None = None, dtype: str = "fp32", seq_len: int | None = None) -> Network:
    """Build zoo network ``name`` for ``dataset`` (default: the network's own) in ``dtype``.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    dataset : str, optional
        ``imagenet``, ``cifar10``, ``cifar100``, ``mnist`` or ``text``; which ones a
        network accepts depends on the network.
    dtype : str
        ``fp32`` (default), ``fp16``, ``bf16`` or ``int8``: the element type of every tensor.
    seq_len : int, optional
        Tokens per sample for ``bert_base`` (default 128) and ``gpt2`` (default 1024).

    Raises
    ------
    ConfigError
        Unknown name, dataset or dtype, or a dataset the network has no variant for.
    """
    entry = ENTRIES.get(name)
    if entry is None:
        raise ConfigError("network", f"unknown network {name!r}; valid: {', '.join(ENTRIES)}")
    dataset = dataset or entry.default_dataset
    ds = get_dataset(dataset)
    check_dtype(dtype)
    variant = entry.variants.get(dataset)
    if variant is None:
        raise ConfigError("dataset", f"{name} has no variant for {dataset!r}; valid: {', '.join(entry.variants)}")
    if ds.kind == "text":
        t = SEQ_LEN[name] if seq_len is None else int(seq_len)
        if t <= 0:
            raise ConfigError("seq_len", f"must be positive, got {t}")
        b = Builder((t,), dtype=dtype, input_dtype="int32")
        variant.build(b, t)
        return b.build(name, dataset, 0, variant.variant, variant.source)
    if seq_len is not None:
        raise ConfigError("seq_len", f"only applies to text models, not {name}")
    c, h, w = ds.shape
    if variant.image_size is not None:
        h = w = variant.image_size
    b = Builder((c, h, w), dtype=dtype)
    variant.build(b, ds.classes)
    return b.build(name, dataset, ds.classes, variant.variant, variant.source)


def summary():
    """One row per zoo network at its default dataset: weights, MACs and layer counts (a DataFrame)."""

    rows = []
    for name, entry in ENTRIES.items():
        net = get(name)
        conv, fc = net.conv_fc_layers
        rows.append({
            "network": name, "dataset": entry.default_dataset, "datasets": ",".join(entry.variants),
            "weights": net.weights, "macs": net.macs, "layers": len(net.layers) - 1, "conv": conv, "fc": fc,
            "description": entry.description,
        })
    return pd.DataFrame(rows)
