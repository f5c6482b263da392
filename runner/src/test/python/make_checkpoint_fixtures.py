"""Writes the safetensors fixtures of the model.checkpoints tests (runner/src/test/resources/checkpoints).

The networks are real PyTorch modules whose state_dict names are ctrace's small-cnn names
(conv1, bn1, layerN = Sequential(conv, bn), fc), so the files are what a PyTorch user would save
with safetensors.torch.save_file(model.state_dict(), path). Run from the repository root:

    /work/pyenv/bin/python runner/src/test/python/make_checkpoint_fixtures.py

The tensors are deterministic (fixed seeds); safetensors may order the metadata entries differently
between runs. The tests need no Python.
"""

import math
import os

import torch
from safetensors.torch import save_file
from torch import nn

OUT = os.path.join("runner", "src", "test", "resources", "checkpoints", "small-cnn-w0.125")


def channels(base, width):
    return max(1, int(math.floor(base * width + 0.5)))


class SmallCnn(nn.Module):
    """ctrace's small-cnn: conv3x3-BN-ReLU stem, three conv3x3-BN-ReLU stages (stride 1, 2, 2)."""

    def __init__(self, width, in_channels=3, classes=10):
        super().__init__()
        c0 = channels(16, width)
        self.conv1 = nn.Conv2d(in_channels, c0, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c0)
        prev = c0
        for i, base in enumerate((32, 64, 128)):
            c = channels(base, width)
            stride = 1 if i == 0 else 2
            conv = nn.Conv2d(prev, c, 3, stride=stride, padding=1, bias=False)
            setattr(self, "layer%d" % (i + 1), nn.Sequential(conv, nn.BatchNorm2d(c)))
            prev = c
        self.fc = nn.Linear(prev, classes)


def model(width, seed):
    torch.manual_seed(seed)
    m = SmallCnn(width)
    with torch.no_grad():
        for module in m.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
                module.running_mean.uniform_(-0.3, 0.3)
                module.running_var.uniform_(0.5, 2.0)
                module.num_batches_tracked.fill_(100)
    return m


def state(m):
    return {k: v.contiguous() for k, v in m.state_dict().items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    for i in range(3):
        save_file(state(model(0.125, i)), os.path.join(OUT, "m%d.safetensors" % i))
    # With the input normalization in the file's metadata (ctrace export writes it so).
    save_file(
        state(model(0.125, 10)),
        os.path.join(OUT, "normalized.safetensors"),
        metadata={"normalization.mean": "[0.5, 0.4, 0.3]", "normalization.std": "[0.2, 0.25, 0.3]"},
    )
    # Each of the following breaks one thing.
    save_file(state(model(0.25, 3)), os.path.join(OUT, "bad-shape.safetensors"))
    renamed = state(model(0.125, 4))
    renamed["classifier.weight"] = renamed.pop("fc.weight")
    renamed["classifier.bias"] = renamed.pop("fc.bias")
    save_file(renamed, os.path.join(OUT, "bad-keys.safetensors"))
    doubled = state(model(0.125, 5))
    doubled["conv1.weight"] = doubled["conv1.weight"].double()
    save_file(doubled, os.path.join(OUT, "bad-dtype.safetensors"))
    nan = state(model(0.125, 6))
    nan["layer2.0.weight"].view(-1)[:3] = float("nan")
    save_file(nan, os.path.join(OUT, "bad-nan.safetensors"))
    save_file(
        state(model(0.125, 7)),
        os.path.join(OUT, "bad-normalization.safetensors"),
        metadata={"normalization.mean": "[0.5, 0.4]", "normalization.std": "[0.2, 0.25]"},
    )


if __name__ == "__main__":
    main()
