"""ImageNet CNNs: the networks DeepNVM++ profiled (Table III) and the torchvision classics.

Each function builds the architecture exactly as its reference defines it; the
reference is named in the docstring. Counts are checked in
``tests/test_zoo.py`` against DeepNVM++ Table III and torchvision's published
totals.
"""

from __future__ import annotations

from workloads.builder import Builder


def _cbr(b: Builder, x, out_c, k, stride=1, pad=0, name="", groups=1, act="relu", shortcut=False):
    """conv (no bias) → batch-norm → activation (or none), the torchvision building block."""
    x = b.conv(x, out_c, k, stride, pad, groups=groups, bias=False, name=name, shortcut=shortcut)
    x = b.bn(x, name=f"{name}.bn")
    if act:
        x = b.act(x, act, name=f"{name}.{act}")
    return x


def _cr(b: Builder, x, out_c, k, stride=1, pad=0, name="", groups=1):
    """conv (with bias) → ReLU, the Caffe building block."""
    x = b.conv(x, out_c, k, stride, pad, groups=groups, name=name)
    return b.act(x, "relu", name=f"{name}.relu")


def alexnet_caffe(b: Builder, classes: int) -> None:
    """BVLC Caffe AlexNet (``bvlc_alexnet/deploy.prototxt``): 227×227 input, LRN, grouped conv2/4/5.

    This is the AlexNet DeepNVM++ profiled (61M weights, 724M MACs): the
    original two-GPU network whose conv2, conv4 and conv5 have ``groups=2``.
    (torchvision's single-tower AlexNet has 61.1M weights but only 714M MACs.)
    """
    x = _cr(b, "input", 96, 11, 4, 0, "conv1")
    x = b.lrn(x, 5, name="norm1")
    x = b.pool(x, 3, 2, name="pool1")
    x = _cr(b, x, 256, 5, 1, 2, "conv2", groups=2)
    x = b.lrn(x, 5, name="norm2")
    x = b.pool(x, 3, 2, name="pool2")
    x = _cr(b, x, 384, 3, 1, 1, "conv3")
    x = _cr(b, x, 384, 3, 1, 1, "conv4", groups=2)
    x = _cr(b, x, 256, 3, 1, 1, "conv5", groups=2)
    x = b.pool(x, 3, 2, name="pool5")
    x = b.flatten(x, name="flatten")
    x = b.act(b.fc(x, 4096, name="fc6"), "relu", name="fc6.relu")
    x = b.dropout(x, name="drop6")
    x = b.act(b.fc(x, 4096, name="fc7"), "relu", name="fc7.relu")
    x = b.dropout(x, name="drop7")
    x = b.fc(x, classes, name="fc8")
    b.softmax(x, name="prob")


def alexnet_darknet(b: Builder, classes: int) -> None:
    """DarkNet's AlexNet (pjreddie/darknet ``cfg/alexnet.cfg``): 227×227 input, no LRN, no groups.

    The network DeepNVM++ ran in GPGPU-Sim (§III-D: "AlexNet ... provided by the DarkNet framework"): the
    single-tower layer sizes 96/256/384/384/256 with ReLU, max-pools of 3×3 stride 2 without padding
    (``padding=0``), DarkNet's ``pad=1`` meaning a padding of half the kernel, and three connected layers
    (the last linear) before the softmax; 62.4M weights, 1.14G MACs.
    """
    x = _cr(b, "input", 96, 11, 4, 0, "conv1")
    x = b.pool(x, 3, 2, name="pool1")
    x = _cr(b, x, 256, 5, 1, 2, "conv2")
    x = b.pool(x, 3, 2, name="pool2")
    x = _cr(b, x, 384, 3, 1, 1, "conv3")
    x = _cr(b, x, 384, 3, 1, 1, "conv4")
    x = _cr(b, x, 256, 3, 1, 1, "conv5")
    x = b.pool(x, 3, 2, name="pool5")
    x = b.flatten(x, name="flatten")
    x = b.act(b.fc(x, 4096, name="fc6"), "relu", name="fc6.relu")
    x = b.dropout(x, name="drop6")
    x = b.act(b.fc(x, 4096, name="fc7"), "relu", name="fc7.relu")
    x = b.dropout(x, name="drop7")
    x = b.fc(x, classes, name="fc8")
    b.softmax(x, name="prob")


def vgg16(b: Builder, classes: int, batchnorm: bool = False, head=(4096, 4096)) -> None:
    """VGG-16 (configuration D of Simonyan & Zisserman 2015; torchvision ``vgg16``): 13 conv + 3 FC.

    ``head=()`` gives the CIFAR variant's single classifier layer.
    """
    x = "input"
    cfg = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    for stage, (ch, n) in enumerate(cfg, start=1):
        for i in range(1, n + 1):
            name = f"conv{stage}_{i}"
            if batchnorm:
                x = _cbr(b, x, ch, 3, 1, 1, name)
                continue
            x = _cr(b, x, ch, 3, 1, 1, name)
        x = b.pool(x, 2, 2, name=f"pool{stage}")
    x = b.flatten(x, name="flatten")
    for i, width in enumerate(head, start=6):
        x = b.act(b.fc(x, width, name=f"fc{i}"), "relu", name=f"fc{i}.relu")
        x = b.dropout(x, name=f"drop{i}")
    x = b.fc(x, classes, name=f"fc{6 + len(head)}")
    b.softmax(x, name="prob")


def _basic_block(b: Builder, x, out_c, stride, name):
    """ResNet BasicBlock (two 3×3 convs) with a 1×1 projection shortcut when the shape changes."""
    in_c = b.shape(x)[0]
    y = _cbr(b, x, out_c, 3, stride, 1, f"{name}.conv1")
    y = _cbr(b, y, out_c, 3, 1, 1, f"{name}.conv2", act="")
    if stride != 1 or in_c != out_c:
        x = _cbr(b, x, out_c, 1, stride, 0, f"{name}.downsample", act="", shortcut=True)
    y = b.add(y, x, name=f"{name}.add")
    return b.act(y, "relu", name=f"{name}.relu")


def resnet(b: Builder, classes: int, blocks=(2, 2, 2, 2), cifar: bool = False) -> None:
    """ResNet with BasicBlocks (He et al. 2016; torchvision ``resnet18``/``resnet34``).

    ``cifar=True`` is the CIFAR stem of kuangliu/pytorch-cifar (``models/resnet.py``):
    a 3×3 stride-1 conv1 and no max-pool, so a 32×32 image keeps 32×32 maps
    through layer1 and reaches 4×4 at layer4.
    """
    if cifar:
        x = _cbr(b, "input", 64, 3, 1, 1, "conv1")
    else:
        x = _cbr(b, "input", 64, 7, 2, 3, "conv1")
        x = b.pool(x, 3, 2, 1, name="maxpool")
    for stage, (n, ch) in enumerate(zip(blocks, (64, 128, 256, 512), strict=True), start=1):
        for i in range(n):
            stride = 2 if (i == 0 and stage > 1) else 1
            x = _basic_block(b, x, ch, stride, f"layer{stage}.{i}")
    x = b.global_pool(x, "avg", name="avgpool")
    x = b.flatten(x, name="flatten")
    x = b.fc(x, classes, name="fc")
    b.softmax(x, name="prob")


def _inception(b: Builder, x, name, c1, c3r, c3, c5r, c5, pp):
    """GoogLeNet inception module: 1×1 | 1×1→3×3 | 1×1→5×5 | 3×3 max-pool→1×1, concatenated."""
    y1 = _cr(b, x, c1, 1, name=f"{name}/1x1")
    y3 = _cr(b, _cr(b, x, c3r, 1, name=f"{name}/3x3_reduce"), c3, 3, 1, 1, f"{name}/3x3")
    y5 = _cr(b, _cr(b, x, c5r, 1, name=f"{name}/5x5_reduce"), c5, 5, 1, 2, f"{name}/5x5")
    yp = _cr(b, b.pool(x, 3, 1, 1, name=f"{name}/pool"), pp, 1, name=f"{name}/pool_proj")
    return b.concat([y1, y3, y5, yp], name=f"{name}/output")


def googlenet(b: Builder, classes: int) -> None:
    """BVLC Caffe GoogLeNet (``bvlc_googlenet/deploy.prototxt``; Szegedy et al. 2015, Table 1).

    No batch-norm, LRN after the stem, Caffe ceil-mode pooling, and no
    auxiliary classifiers (they are training-only heads and DeepNVM++ Table III
    counts a single FC layer): 57 conv + 1 FC, 6,998,552 weights. Its 1,586M MACs
    equal the sum of the GoogLeNet paper's Table 1 "ops" column; Table III's 1.43G
    (quoted from Sze et al. 2017) is 10% lower and matches no variant we could build.
    """
    x = _cr(b, "input", 64, 7, 2, 3, "conv1/7x7_s2")
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool1/3x3_s2")
    x = b.lrn(x, 5, name="pool1/norm1")
    x = _cr(b, x, 64, 1, name="conv2/3x3_reduce")
    x = _cr(b, x, 192, 3, 1, 1, "conv2/3x3")
    x = b.lrn(x, 5, name="conv2/norm2")
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool2/3x3_s2")
    x = _inception(b, x, "inception_3a", 64, 96, 128, 16, 32, 32)
    x = _inception(b, x, "inception_3b", 128, 128, 192, 32, 96, 64)
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool3/3x3_s2")
    x = _inception(b, x, "inception_4a", 192, 96, 208, 16, 48, 64)
    x = _inception(b, x, "inception_4b", 160, 112, 224, 24, 64, 64)
    x = _inception(b, x, "inception_4c", 128, 128, 256, 24, 64, 64)
    x = _inception(b, x, "inception_4d", 112, 144, 288, 32, 64, 64)
    x = _inception(b, x, "inception_4e", 256, 160, 320, 32, 128, 128)
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool4/3x3_s2")
    x = _inception(b, x, "inception_5a", 256, 160, 320, 32, 128, 128)
    x = _inception(b, x, "inception_5b", 384, 192, 384, 48, 128, 128)
    x = b.global_pool(x, "avg", name="pool5/7x7_s1")
    x = b.dropout(x, name="pool5/drop_7x7_s1")
    x = b.flatten(x, name="flatten")
    x = b.fc(x, classes, name="loss3/classifier")
    b.softmax(x, name="prob")


def _fire(b: Builder, x, name, squeeze, expand):
    s = _cr(b, x, squeeze, 1, name=f"{name}/squeeze1x1")
    e1 = _cr(b, s, expand, 1, name=f"{name}/expand1x1")
    e3 = _cr(b, s, expand, 3, 1, 1, f"{name}/expand3x3")
    return b.concat([e1, e3], name=f"{name}/concat")


def squeezenet(b: Builder, classes: int) -> None:
    """SqueezeNet v1.0 as released for Caffe (DeepScale ``SqueezeNet_v1.0/deploy.prototxt``): 227×227 input.

    conv1 (96, 7×7/2) + 8 fire modules (3 convs each) + conv10 = 26 conv, no
    FC — DeepNVM++ Table III's 26/0 layers and 1.2M weights.
    """
    x = _cr(b, "input", 96, 7, 2, 0, "conv1")
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool1")
    x = _fire(b, x, "fire2", 16, 64)
    x = _fire(b, x, "fire3", 16, 64)
    x = _fire(b, x, "fire4", 32, 128)
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool4")
    x = _fire(b, x, "fire5", 32, 128)
    x = _fire(b, x, "fire6", 48, 192)
    x = _fire(b, x, "fire7", 48, 192)
    x = _fire(b, x, "fire8", 64, 256)
    x = b.pool(x, 3, 2, ceil_mode=True, name="pool8")
    x = _fire(b, x, "fire9", 64, 256)
    x = b.dropout(x, name="drop9")
    x = _cr(b, x, classes, 1, name="conv10")
    x = b.global_pool(x, "avg", name="pool10")
    x = b.flatten(x, name="flatten")
    b.softmax(x, name="prob")


def mobilenetv2(b: Builder, classes: int) -> None:
    """MobileNetV2 width 1.0 (Sandler et al. 2018; torchvision ``mobilenet_v2``): inverted residuals, depthwise."""
    x = _cbr(b, "input", 32, 3, 2, 1, "features.0", act="relu6")
    in_c = 32
    idx = 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            name = f"features.{idx}"
            hidden = in_c * t
            y = x
            if t != 1:
                y = _cbr(b, y, hidden, 1, name=f"{name}.expand", act="relu6")
            y = _cbr(b, y, hidden, 3, stride, 1, f"{name}.dw", groups=hidden, act="relu6")
            y = _cbr(b, y, c, 1, name=f"{name}.project", act="")
            x = b.add(y, x, name=f"{name}.add") if (stride == 1 and in_c == c) else y
            in_c = c
            idx += 1
    x = _cbr(b, x, 1280, 1, name=f"features.{idx}", act="relu6")
    x = b.global_pool(x, "avg", name="avgpool")
    x = b.flatten(x, name="flatten")
    x = b.dropout(x, name="dropout")
    x = b.fc(x, classes, name="classifier")
    b.softmax(x, name="prob")


def lenet5(b: Builder, classes: int) -> None:
    """LeNet-5 (LeCun et al. 1998) as usually trained on MNIST: conv 6@5×5 → pool → conv 16@5×5 → pool → 120 → 84.

    A 28×28 MNIST image is zero-padded by 2 in conv1 so the feature maps are
    the paper's 28×28 / 14×14 / 10×10 / 5×5; a 32×32 CIFAR image needs no padding.
    """
    pad = 2 if b.shape("input")[1] == 28 else 0
    x = b.act(b.conv("input", 6, 5, 1, pad, name="conv1"), "relu", name="conv1.relu")
    x = b.pool(x, 2, 2, name="pool1")
    x = b.act(b.conv(x, 16, 5, name="conv2"), "relu", name="conv2.relu")
    x = b.pool(x, 2, 2, name="pool2")
    x = b.flatten(x, name="flatten")
    x = b.act(b.fc(x, 120, name="fc1"), "relu", name="fc1.relu")
    x = b.act(b.fc(x, 84, name="fc2"), "relu", name="fc2.relu")
    x = b.fc(x, classes, name="fc3")
    b.softmax(x, name="prob")


def alexnet_cifar(b: Builder, classes: int) -> None:
    """AlexNet for 32×32 CIFAR images (bearpaw/pytorch-classification ``models/cifar/alexnet.py``).

    Five convs (64@11×11/4, 192@5×5, 384, 256, 256@3×3) with three 2×2
    max-pools and a single FC classifier. The scratchpad paper does not publish
    its CIFAR AlexNet; this is the widely used public definition.
    """
    x = _cr(b, "input", 64, 11, 4, 5, "conv1")
    x = b.pool(x, 2, 2, name="pool1")
    x = _cr(b, x, 192, 5, 1, 2, "conv2")
    x = b.pool(x, 2, 2, name="pool2")
    x = _cr(b, x, 384, 3, 1, 1, "conv3")
    x = _cr(b, x, 256, 3, 1, 1, "conv4")
    x = _cr(b, x, 256, 3, 1, 1, "conv5")
    x = b.pool(x, 2, 2, name="pool5")
    x = b.flatten(x, name="flatten")
    x = b.fc(x, classes, name="fc")
    b.softmax(x, name="prob")
