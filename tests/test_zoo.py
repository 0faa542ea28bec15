"""The zoo's counts against published tables (DeepNVM++ Table III, torchvision, Hugging Face, the papers)."""

import pytest

from models.errors import ConfigError
from workloads import zoo


def close(value, target, rel=0.05):
    return abs(value - target) <= rel * target


# DeepNVM++ (seeds/deepnvm_plus_plus.txt) Table III: CONV/FC layers, total weights, total MACs.
TABLE_III = {
    "alexnet": ((5, 3), 61e6, 724e6),
    "googlenet": ((57, 1), 7e6, 1.43e9),
    "vgg16": ((13, 3), 138e6, 15.5e9),
    "resnet18": ((17, 1), 11.8e6, 2e9),
    "squeezenet": ((26, 0), 1.2e6, 837e6),
}


@pytest.mark.parametrize("name", list(TABLE_III))
def test_table_iii_layers_and_weights(name):
    layers, weights, _ = TABLE_III[name]
    net = zoo.get(name, dataset="imagenet")
    # ResNet-18: Table III's 17 CONV layers exclude the three 1x1 projection shortcuts (see layer_counts).
    assert net.conv_fc_layers == layers
    assert close(net.weights, weights)


@pytest.mark.parametrize("name", ["alexnet", "vgg16", "squeezenet"])
def test_table_iii_macs(name):
    assert close(zoo.get(name).macs, TABLE_III[name][2])


def test_alexnet_is_the_caffe_network_exactly():
    # BVLC AlexNet: 227x227 input, groups=2 on conv2/4/5. Hand count: conv 665,784,864 + fc 58,621,952 MACs.
    net = zoo.get("alexnet")
    assert net.input_shape == (3, 227, 227)
    assert net.weights == 60_965_224
    assert net.macs == 724_406_816
    assert net.layer("conv2").groups == 2 and net.layer("conv2").macs == 27 * 27 * 256 * 48 * 25


def test_alexnet_darknet_follows_its_cfg():
    # pjreddie/darknet cfg/alexnet.cfg: 227x227x3; conv 96@11/4, pool 3/2, 256@5 (pad 2), pool, 384@3, 384@3,
    # 256@3, pool, connected 4096, 4096, 1000. Hand counts from the cfg: feature maps 55, 27, 27, 13, 13, 13, 6.
    net = zoo.get("alexnet_darknet")
    convs = {"conv1": (55 * 55, 96, 3 * 11 * 11), "conv2": (27 * 27, 256, 96 * 25), "conv3": (13 * 13, 384, 256 * 9),
             "conv4": (13 * 13, 384, 384 * 9), "conv5": (13 * 13, 256, 384 * 9)}
    fcs = {"fc6": (9216, 4096), "fc7": (4096, 4096), "fc8": (4096, 1000)}
    for name, (hw, out_c, k) in convs.items():
        assert net.layer(name).macs == hw * out_c * k, name
    weights = sum(out_c * k + out_c for _, out_c, k in convs.values()) + sum(i * o + o for i, o in fcs.values())
    assert net.weights == weights == 62_378_344
    assert net.macs == sum(hw * o * k for hw, o, k in convs.values()) + sum(i * o for i, o in fcs.values())
    assert net.layer("conv2").groups == 1 and net.layer("fc6").macs == 9216 * 4096


def test_googlenet_macs_follow_the_googlenet_paper():
    # Table III's 1.43G is the figure quoted by Sze et al. (Proc. IEEE 2017), which does not match the
    # architecture's own count: Szegedy et al. 2015, Table 1, "ops" column sums to 1,586M
    # (118+360+128+304+73+88+100+119+170+54+71+1) for the network built here. We reproduce the paper's
    # per-layer ops; Table III's figure is 10.7% lower.
    net = zoo.get("googlenet")
    assert close(net.macs, 1586e6, rel=0.01)
    assert close(net.layer("conv2/3x3").macs + net.layer("conv2/3x3_reduce").macs, 360e6, rel=0.01)
    assert 0.89 < TABLE_III["googlenet"][2] / net.macs < 0.91
    assert close(net.weights, 7e6)


def test_resnet18_macs_follow_torchvision():
    # torchvision resnet18: 11,689,512 parameters and 1.814 GMACs ("1.81 GFLOPS" in its docs, counted as MACs).
    # Table III's "2G" is that figure to one significant digit.
    net = zoo.get("resnet18")
    assert net.weights == 11_689_512
    assert net.macs == 1_814_073_344
    assert round(net.macs / 1e9) == 2
    assert net.layer_counts()["conv_shortcut"] == 3


def test_squeezenet_is_v1_0():
    # SqueezeNet v1.0 (1,248,424 weights; torchvision squeezenet1_0 has the same). At Caffe's 227x227 input it
    # does 833M MACs, 0.5% under Table III's 837M; v1.1 (1,235,496 weights, ~350M MACs) would not match.
    net = zoo.get("squeezenet")
    assert net.weights == 1_248_424
    assert net.input_shape == (3, 227, 227)


# torchvision.models documentation (parameters, GFLOPS = GMACs) and Hugging Face model cards / num_parameters().
MODERN = {
    "resnet34": (21_797_672, 3.66e9),  # torchvision resnet34
    "mobilenetv2": (3_504_872, 0.30e9),  # torchvision mobilenet_v2
    "vit_b16": (86_567_656, 17.56e9),  # torchvision vit_b_16
}


@pytest.mark.parametrize("name", list(MODERN))
def test_torchvision_totals(name):
    weights, macs = MODERN[name]
    net = zoo.get(name)
    assert net.weights == weights
    assert close(net.macs, macs, rel=0.02)


def test_bert_base_matches_hugging_face():
    # HF BertModel(bert-base-uncased).num_parameters() = 109,482,240 (embeddings + 12 layers + pooler).
    net = zoo.get("bert_base")
    assert net.input_shape == (128,)
    assert net.weights == 109_482_240
    # Analytic: each layer's 4 D*D projections and two D*3072 MLP matrices act on every token; attention adds
    # 2*T*T*D per layer; the pooler is one D*D matrix on one token.
    t, d = 128, 768
    assert net.macs == 12 * (t * (4 * d * d + 2 * d * 3072) + 2 * t * t * d) + d * d


def test_gpt2_matches_hugging_face():
    # HF GPT2Model(gpt2).num_parameters() = 124,439,808; the LM head is tied to wte, so no extra weights.
    net = zoo.get("gpt2")
    assert net.weights == 124_439_808
    assert net.layer("lm_head").weights == 0
    t, d, v = 1024, 768, 50257
    per_token = 12 * (4 * d * d + 2 * d * 3072) + d * v
    assert net.macs == t * per_token + 12 * 2 * t * t * d
    assert zoo.get("gpt2", seq_len=64).input_shape == (64,)


def test_cifar_variants():
    # kuangliu/pytorch-cifar: ResNet18 11,173,962 params, 0.56 GMACs; ResNet34 21,282,122 params.
    r18 = zoo.get("resnet18", dataset="cifar10")
    assert r18.variant == "cifar"
    assert r18.weights == 11_173_962
    assert close(r18.macs, 0.556e9, rel=0.01)
    assert zoo.get("resnet34", dataset="cifar10").weights == 21_282_122
    # CIFAR-100 changes only the classifier: 512*90 + 90 more weights.
    assert zoo.get("resnet18", dataset="cifar100").weights - r18.weights == 512 * 90 + 90
    # kuangliu VGG16 with batch-norm and one 512->10 classifier: 14,724,042 trainable parameters.
    assert zoo.get("vgg16", dataset="cifar10").weights == 14_724_042
    # bearpaw AlexNet for CIFAR-10: 2,472,266 parameters (its README's 2.47M).
    a = zoo.get("alexnet", dataset="cifar10")
    assert a.weights == 2_472_266 and a.conv_fc_layers == (5, 1)


def test_lenet5_on_mnist():
    # LeNet-5 with padded conv1 on 28x28 MNIST: 61,706 parameters (6*25+6 + 16*150+16 + 400*120+120 + ...).
    net = zoo.get("lenet5")
    assert net.dataset == "mnist" and net.input_shape == (1, 28, 28)
    assert net.weights == 156 + 2416 + 48120 + 10164 + 850
    assert net.layer("conv2").out_shape == (16, 10, 10)


def test_dtypes_scale_bytes_not_counts():
    fp32, int8 = zoo.get("alexnet"), zoo.get("alexnet", dtype="int8")
    assert fp32.weights == int8.weights and fp32.macs == int8.macs
    assert fp32.layer("fc6").weight_B == 4 * int8.layer("fc6").weight_B
    assert zoo.get("alexnet", dtype="bf16").layer("conv1").out_B == 2 * 96 * 55 * 55


def test_unknown_names_are_config_errors():
    with pytest.raises(ConfigError, match="valid: alexnet, googlenet"):
        zoo.get("alexnett")
    with pytest.raises(ConfigError, match="dataset"):
        zoo.get("alexnet", dataset="svhn")
    with pytest.raises(ConfigError, match="googlenet has no variant for 'cifar10'"):
        zoo.get("googlenet", dataset="cifar10")
    with pytest.raises(ConfigError, match="dtype"):
        zoo.get("vgg16", dtype="fp64")
    with pytest.raises(ConfigError, match="seq_len"):
        zoo.get("vgg16", seq_len=8)


def test_names_and_summary():
    assert zoo.names()[:7] == ["alexnet", "googlenet", "vgg16", "resnet18", "resnet34", "squeezenet", "lenet5"]
    df = zoo.summary()
    assert list(df["network"]) == zoo.names()
    assert int(df.set_index("network").loc["vgg16", "weights"]) == 138_357_544


def test_shapes_are_inferred_through_the_network():
    net = zoo.get("googlenet")
    assert net.layer("inception_3a/output").out_shape == (256, 28, 28)
    assert net.layer("inception_5b/output").out_shape == (1024, 7, 7)
    mb = zoo.get("mobilenetv2")
    dw = mb.layer("features.2.dw")
    assert dw.groups == dw.out_shape[0] == 96 and dw.macs == 56 * 56 * 96 * 9
    vit = zoo.get("vit_b16")
    assert vit.layer("cls_pos_embedding").out_shape == (197, 768)
    assert vit.layer("encoder.layers.0.attn.scores").out_shape == (12, 197, 197)
