"""PyTorch eager training throughput of the networks `ctrace bench train` times.

The network is built the way ConceptTrace builds it (core/.../nn/Network.java): torchvision's
BasicBlock ResNet with bias-free convolutions, channels max(1, round_half_up(base * width)),
optionally the small stem (3x3 stride-1 conv1, no max-pool), global average pool, linear head.
The optimizer matches core/.../train/Optimizer.java: torch.optim.SGD (Nesterov) or Adam with L2
weight decay, none on batch-norm weights and biases (weight-decay-batchnorm = false), the head's
bias decayed. Loss: cross-entropy with label smoothing, as BaseTrainer.smoothedCrossEntropy.

Data: random normal images and random labels, a few batches made once and cycled (what
`ctrace bench train` reports as "preloaded"). Prints images per wall second, per CPU-second of
the process (time.process_time: all threads) and the peak RSS (ru_maxrss).

  python bench/train_torch.py --preset resnet18 --threads 1
  python bench/train_torch.py --preset quickstart --threads 1
"""

import argparse
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Parameter counts of ConceptTrace's networks for the presets (`ctrace bench train` prints them
# as "parameters N"): the script refuses to time a network that differs from ours.
PRESETS = {
    # ./ctrace bench train --set model.arch=resnet18 --set model.width=1.0 \
    #   --set training.optimizer.name=sgd --set training.optimizer.lr=0.05 \
    #   --set training.optimizer.momentum=0.9 --set training.optimizer.nesterov=true \
    #   --set training.batch-size=128
    "resnet18": dict(
        arch="resnet18", width=1.0, small_stem=True, channels=3, image_size=32, classes=10,
        batch_size=128, optimizer="sgd", lr=0.05, momentum=0.9, nesterov=True,
        weight_decay=5e-5, label_smoothing=0.0, expect_params=11173962,
    ),
    # experiments/quickstart.conf (with experiments/base/small-cpu.conf): resnet10 w0.125, small
    # stem, 3x32x32, 10 classes, batch 64, Adam lr 0.003, weight decay 5e-5, label smoothing 0.
    "quickstart": dict(
        arch="resnet10", width=0.125, small_stem=True, channels=3, image_size=32, classes=10,
        batch_size=64, optimizer="adam", lr=0.003, momentum=0.0, nesterov=False,
        weight_decay=5e-5, label_smoothing=0.0, expect_params=78002,
    ),
}

BLOCKS = {"resnet10": [1, 1, 1, 1], "resnet18": [2, 2, 2, 2], "resnet34": [3, 4, 6, 3]}


def scaled(base, width):
    """ArchitectureSpec.channels: Java's Math.round (half up), at least 1."""
    return max(1, int(math.floor(base * width + 0.5)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class ResNet(nn.Module):
    """ConceptTrace's ResNet; forward(x, upto="layer3") stops after that stage."""

    def __init__(self, arch, width, small_stem, channels, classes):
        super().__init__()
        c = scaled(64, width)
        k, s, p = (3, 1, 1) if small_stem else (7, 2, 3)
        self.conv1 = nn.Conv2d(channels, c, k, s, p, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.maxpool = nn.Identity() if small_stem else nn.MaxPool2d(3, 2, 1)
        cin = c
        for stage, n in enumerate(BLOCKS[arch]):
            cout = scaled(64 << stage, width)
            blocks = []
            for b in range(n):
                blocks.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1))
                cin = cout
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x, upto="fc"):
        h = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        for stage in range(1, 5):
            h = getattr(self, f"layer{stage}")(h)
            if upto == f"layer{stage}":
                return h
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def parameters_up_to(model, layer):
    """The parameters ConceptTrace attributes through for a layer: stem and stages up to it."""
    keep = ["conv1.", "bn1."] + [f"layer{i}." for i in range(1, int(layer[-1]) + 1)]
    return [p for n, p in model.named_parameters() if any(n.startswith(k) for k in keep)]


def optimizer_for(model, cfg):
    """Optimizer.java's rules: no decay on 1-D parameters except the head's (fc.bias)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.dim() == 1 and not name.startswith("fc.") else decay).append(p)
    groups = [
        {"params": decay, "weight_decay": cfg["weight_decay"]},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    if cfg["optimizer"] == "sgd":
        return torch.optim.SGD(
            groups, lr=cfg["lr"], momentum=cfg["momentum"], nesterov=cfg["nesterov"])
    return torch.optim.Adam(groups, lr=cfg["lr"])


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), required=True)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (intra-op)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    ap.add_argument("--steps", type=int, default=30, help="timed steps")
    ap.add_argument("--batch-size", type=int, help="override the preset's batch size")
    args = ap.parse_args(argv)
    cfg = dict(PRESETS[args.preset])
    if args.batch_size:
        cfg["batch_size"] = args.batch_size

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = ResNet(cfg["arch"], cfg["width"], cfg["small_stem"], cfg["channels"], cfg["classes"])
    model.train()
    params = sum(p.numel() for p in model.parameters())
    print(f"network {cfg['arch']} w{cfg['width']} small stem, {cfg['channels']}x"
          f"{cfg['image_size']}x{cfg['image_size']}, {cfg['classes']} classes: "
          f"parameters {params}")
    if params != cfg["expect_params"]:
        print(f"error: ConceptTrace's network has {cfg['expect_params']} parameters "
              f"(`ctrace bench train` prints it); this one differs", file=sys.stderr)
        return 1
    opt = optimizer_for(model, cfg)
    b = cfg["batch_size"]
    shape = (b, cfg["channels"], cfg["image_size"], cfg["image_size"])
    batches = [(torch.randn(shape), torch.randint(0, cfg["classes"], (b,))) for _ in range(4)]

    def step(i):
        x, y = batches[i % len(batches)]
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y, label_smoothing=cfg["label_smoothing"])
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(args.warmup):
        step(i)
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(args.steps):
        step(i)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    images = args.steps * b
    print(f"training   batch {b}, {cfg['optimizer']} lr {cfg['lr']}"
          + (f", momentum {cfg['momentum']}{' nesterov' if cfg['nesterov'] else ''}"
             if cfg["optimizer"] == "sgd" else "")
          + f", weight decay {cfg['weight_decay']}, label smoothing {cfg['label_smoothing']}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, "
          f"{args.warmup} warm-up + {args.steps} timed steps")
    print(f"images/s {images / wall:.1f}  images/CPU-s {images / cpu:.1f}  "
          f"peak RSS {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
