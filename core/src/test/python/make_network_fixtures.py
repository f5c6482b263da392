"""Outside reference for ConceptTrace's networks (issue 16 item 5).

Builds our architectures in real PyTorch from torchvision's own building blocks (torchvision's
BasicBlock for the ResNets, torch.nn layers for small-cnn), gives them fixed random weights and
non-trivial batch-norm running statistics, and writes, for each one, into
core/src/test/resources/pytorch/:

  <name>.weights.safetensors   the state_dict (torchvision names, num_batches_tracked included)
  <name>.expected.safetensors  "input" [2, C, S, S]; "eval/<layer>" the output of every catalogued
                               layer (io.conceptrace.core.nn.LayerCatalog names) in eval mode;
                               "train/fc" the logits of one train-mode forward of the same input
                               and "train/<bn>.running_mean|var" the running statistics after it
  manifest.json                the ArchitectureSpec of each fixture and its layers in forward order

plus a tiny traced TorchScript feature extractor (a small ResNet stem + layer1 + layer2, i.e.
torchvision's ResNet truncated at `layer2`, in eval mode):

  feature-extractor.pt                the traced module (input [B, 3, 32, 32] -> [B, 16, 16, 16])
  feature-extractor.io.safetensors    "input" [2, 3, 32, 32] and its "output"

Run from the repository root with the pinned environment (requirements.txt beside this file):

  python core/src/test/python/make_network_fixtures.py

The Java tests (PyTorchReferenceTest) need no Python; they read the committed files.
"""

import json
import math
import os
from collections import OrderedDict

import torch
import torch.nn as nn
from safetensors.torch import save_file
from torchvision.models.resnet import BasicBlock

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "pytorch")
BATCH = 2


def channels(base, width):
    """ArchitectureSpec.channels: Java's Math.round (half up), at least 1."""
    return max(1, int(math.floor(base * width + 0.5)))


class ResNet(nn.Module):
    """torchvision.models.ResNet with BasicBlock, at a width multiplier and with either stem.

    Layer for layer torchvision's code (resnet.py): the same module names, the same block, the
    same downsample (conv1x1 + BatchNorm2d) wherever the stride or the channels change. The small
    stem is the common CIFAR variant: conv1 3x3 stride 1 padding 1 and no max-pool.
    """

    def __init__(self, blocks, width, small_stem, in_channels, classes):
        super().__init__()
        c = channels(64, width)
        if small_stem:
            self.conv1 = nn.Conv2d(in_channels, c, 3, 1, 1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, c, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.small_stem = small_stem
        if not small_stem:
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inplanes = c
        for stage, n in enumerate(blocks):
            planes = channels(64 << stage, width)
            layers = []
            for b in range(n):
                stride = 2 if stage > 0 and b == 0 else 1
                downsample = None
                if stride != 1 or inplanes != planes:
                    downsample = nn.Sequential(
                        nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
                    )
                layers.append(BasicBlock(inplanes, planes, stride, downsample))
                inplanes = planes
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*layers))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if not self.small_stem:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SmallCnn(nn.Module):
    """small-cnn: conv3x3-BN-ReLU stem of 16w channels, then layerN = Sequential(conv3x3, BN,
    ReLU) with 32w, 64w, 128w channels (stride 1, 2, 2), global average pool, fc."""

    def __init__(self, width, in_channels, classes):
        super().__init__()
        c0 = channels(16, width)
        self.conv1 = nn.Conv2d(in_channels, c0, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c0)
        self.relu = nn.ReLU(inplace=True)
        prev = c0
        for i, base in enumerate([32, 64, 128]):
            c = channels(base, width)
            stride = 1 if i == 0 else 2
            setattr(
                self,
                "layer%d" % (i + 1),
                nn.Sequential(
                    nn.Conv2d(prev, c, 3, stride, 1, bias=False),
                    nn.BatchNorm2d(c),
                    nn.ReLU(inplace=True),
                ),
            )
            prev = c
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(prev, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


BLOCKS = {"resnet10": [1, 1, 1, 1], "resnet18": [2, 2, 2, 2], "resnet34": [3, 4, 6, 3]}


def build(spec):
    if spec["name"] == "small-cnn":
        return SmallCnn(spec["width"], spec["inputChannels"], spec["classes"])
    return ResNet(
        BLOCKS[spec["name"]],
        spec["width"],
        spec["smallStem"],
        spec["inputChannels"],
        spec["classes"],
    )


def catalogue(model, spec):
    """LayerCatalog's names in forward order: the stem modules, then per block its conv1, bn1,
    conv2, bn2, downsample.0/1, the block itself, then the stage; avgpool; fc."""
    names = ["conv1", "bn1", "relu"]
    if spec["name"] != "small-cnn" and not spec["smallStem"]:
        names.append("maxpool")
    if spec["name"] == "small-cnn":
        names += ["layer1", "layer2", "layer3"]
    else:
        for s in range(1, 5):
            stage = getattr(model, "layer%d" % s)
            for b, block in enumerate(stage):
                p = "layer%d.%d" % (s, b)
                names += [p + ".conv1", p + ".bn1", p + ".conv2", p + ".bn2"]
                if block.downsample is not None:
                    names += [p + ".downsample.0", p + ".downsample.1"]
                names.append(p)
            names.append("layer%d" % s)
    return names + ["avgpool", "fc"]


def randomise(model, generator):
    """Fixed random weights (torch's default init drawn from the generator) and batch norms whose
    affine parameters and running statistics are far from the identity, so that a network that
    mixed up eval and train statistics, or weight and bias, could not match."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
                m.weight.normal_(0, math.sqrt(2.0 / fan_out), generator=generator)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(c, generator=generator) * 0.2)
                m.running_mean.copy_(torch.randn(c, generator=generator) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=generator) + 0.5)
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))
            elif isinstance(m, nn.Linear):
                bound = 1 / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=generator)
                m.bias.uniform_(-bound, bound, generator=generator)


def collect(model, names, x):
    """Outputs of the named modules in one forward pass, cloned at once: torchvision's ReLUs are
    in place and BasicBlock adds the shortcut into bn2's output in place."""
    modules = dict(model.named_modules())
    outputs = OrderedDict()
    hooks = []
    for n in names:

        def hook(module, inputs, output, n=n):
            out = output.detach().clone()
            outputs[n] = torch.flatten(out, 1) if n == "avgpool" else out

        hooks.append(modules[n].register_forward_hook(hook))
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()
    assert torch.equal(outputs["fc"], logits)
    return OrderedDict((n, outputs[n]) for n in names)


FIXTURES = [
    # name, spec (ArchitectureSpec's JSON), seed
    ("small-cnn-rgb", dict(name="small-cnn", width=0.25, smallStem=True, inputChannels=3, imageSize=16, classes=10)),
    ("small-cnn-grey", dict(name="small-cnn", width=0.3, smallStem=True, inputChannels=1, imageSize=11, classes=4)),
    ("resnet10-small-rgb", dict(name="resnet10", width=0.0625, smallStem=True, inputChannels=3, imageSize=12, classes=10)),
    ("resnet10-standard-rgb-odd", dict(name="resnet10", width=0.0625, smallStem=False, inputChannels=3, imageSize=29, classes=6)),
    ("resnet18-small-grey", dict(name="resnet18", width=0.05, smallStem=True, inputChannels=1, imageSize=10, classes=7)),
    ("resnet18-standard-grey", dict(name="resnet18", width=0.0625, smallStem=False, inputChannels=1, imageSize=32, classes=5)),
    ("resnet34-standard-rgb", dict(name="resnet34", width=0.03125, smallStem=False, inputChannels=3, imageSize=24, classes=3)),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    manifest = []
    for i, (name, spec) in enumerate(FIXTURES):
        generator = torch.Generator().manual_seed(1000 + i)
        model = build(spec)
        randomise(model, generator)
        model.eval()
        names = catalogue(model, spec)
        size = spec["imageSize"]
        x = torch.randn(BATCH, spec["inputChannels"], size, size, generator=generator)
        save_file(
            {k: v.contiguous() for k, v in model.state_dict().items()},
            os.path.join(OUT, name + ".weights.safetensors"),
        )
        expected = OrderedDict(input=x)
        for layer, out in collect(model, names, x).items():
            expected["eval/" + layer] = out
        # One train-mode forward: batch statistics, and running statistics updated in place
        # (momentum 0.1, unbiased variance).
        model.train()
        with torch.no_grad():
            expected["train/fc"] = model(x)
        for k, v in model.state_dict().items():
            if k.endswith("running_mean") or k.endswith("running_var"):
                expected["train/" + k] = v.clone()
        save_file(
            {k: v.contiguous() for k, v in expected.items()},
            os.path.join(OUT, name + ".expected.safetensors"),
        )
        manifest.append(dict(fixture=name, architecture=spec, layers=names))

    # A traced TorchScript feature extractor: torchvision's ResNet layout truncated at layer2.
    generator = torch.Generator().manual_seed(7)
    full = ResNet([1, 1, 1, 1], 0.125, True, 3, 10)
    randomise(full, generator)
    extractor = nn.Sequential(
        OrderedDict(
            conv1=full.conv1, bn1=full.bn1, relu=full.relu, layer1=full.layer1, layer2=full.layer2
        )
    ).eval()
    x = torch.randn(BATCH, 3, 32, 32, generator=generator)
    with torch.no_grad():
        traced = torch.jit.trace(extractor, x)
        y = traced(x)
        assert torch.equal(y, extractor(x))
    traced.save(os.path.join(OUT, "feature-extractor.pt"))
    save_file(
        {"input": x.contiguous(), "output": y.contiguous()},
        os.path.join(OUT, "feature-extractor.io.safetensors"),
    )

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(
            dict(
                generator="core/src/test/python/make_network_fixtures.py",
                torch=torch.__version__,
                fixtures=manifest,
                featureExtractor=dict(
                    file="feature-extractor.pt",
                    io="feature-extractor.io.safetensors",
                    layer="layer2",
                    input=[BATCH, 3, 32, 32],
                    output=list(y.shape),
                ),
            ),
            f,
            indent=1,
        )
        f.write("\n")


if __name__ == "__main__":
    main()
