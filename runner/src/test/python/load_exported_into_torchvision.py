"""Loads a file written by `ctrace export` into torchvision, strictly, and prints its logits.

    /work/pyenv/bin/python runner/src/test/python/load_exported_into_torchvision.py \
        out/train-base-m0.safetensors [resnet18|resnet34] [--small-stem] [--save-input x.npy]

For a study with model.arch = resnet18 (or resnet34) and width 1.0 (torchvision builds no other
width); --small-stem replaces conv1 by a 3x3/1 convolution and drops the max-pool, as
model.stem = small does. The input is seeded Gaussian noise at the exported image size and
channels; --save-input writes it (NCHW float32) so the same input can be fed to ctrace's network
and the logits compared. Not a test: the tests need no Python (see docs/training.md).
"""

import argparse

import numpy as np
import torch
import torchvision
from safetensors import safe_open
from safetensors.torch import load_file


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("arch", nargs="?", default="resnet18", choices=["resnet18", "resnet34"])
    p.add_argument("--small-stem", action="store_true")
    p.add_argument("--save-input")
    a = p.parse_args()
    with safe_open(a.file, "pt") as h:
        meta = h.metadata() or {}
    print("metadata:", meta)
    shape = dict(kv.split("=") for kv in meta.get("ctrace.architecture", "").split())
    classes = int(shape.get("classes", 1000))
    channels = int(shape.get("channels", 3))
    size = int(shape.get("image-size", 224))
    model = getattr(torchvision.models, a.arch)(num_classes=classes)
    if channels != 3 or a.small_stem:
        k, s, pad = (3, 1, 1) if a.small_stem else (7, 2, 3)
        model.conv1 = torch.nn.Conv2d(channels, 64, k, s, pad, bias=False)
    if a.small_stem:
        model.maxpool = torch.nn.Identity()
    print(model.load_state_dict(load_file(a.file), strict=True))
    model.eval()
    torch.manual_seed(0)
    x = torch.randn(2, channels, size, size)
    if a.save_input:
        np.save(a.save_input, x.numpy())
    with torch.no_grad():
        print("logits:", model(x).numpy())


if __name__ == "__main__":
    main()
