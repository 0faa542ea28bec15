"""nvmsim workloads: networks as layers with exact shapes, lowered to GEMM and element-wise ops.

>>> from workloads import zoo
>>> net = zoo.get("alexnet", dataset="imagenet")
>>> ops = net.ops(phase="training", batch=64)

Modules: ``zoo`` (named networks), ``builder`` (shape inference), ``lowering``
(network → ops), ``onnx_import`` (ONNX file → network), ``ops`` (the contract
with ``traces`` and the systolic model).
"""

from workloads.layers import Layer
from workloads.network import Network

__all__ = ["Layer", "Network"]
