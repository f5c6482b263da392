"""TRAK featurization with the public reference implementation (MadryLab's `traker`) on the CPU.

The counterpart of `ctrace bench trak`: ConceptTrace's network (bench/train_torch.py's ResNet)
truncated after a layer, with a linear probe on that layer's flattened (or channel-mean pooled)
activation; per-example gradients of the probe's margin s(x) * (2y - 1) with respect to every
parameter up to the layer plus the probe's weights and bias (attribution.parameter-groups = [all]),
computed by trak.gradient_computers.FunctionalGradientComputer (torch.func vmap of grad), then
projected by trak.projectors.BasicProjector (a Gaussian matrix generated block by block from
seeded generators; the reference's CPU projector: its CudaProjector needs CUDA), as
TRAKer.featurize does. Network in eval mode, random images and labels.

Prints training images per wall second and per CPU-second (time.process_time, all threads), the
time shares of per-example gradients (with the flattening to [B, P]), projection-matrix
generation and the projection matmul, and peak RSS.

  python bench/trak_reference.py --preset quickstart --threads 1
  python bench/trak_reference.py --preset resnet18 --k 2048 --projections 2 --threads 1
"""

import argparse
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_torch import ResNet, peak_rss_mib  # noqa: E402

from trak.gradient_computers import FunctionalGradientComputer  # noqa: E402
from trak.modelout_functions import AbstractModelOutput  # noqa: E402
from trak.projectors import BasicProjector, ProjectionType  # noqa: E402
from trak.utils import vectorize  # noqa: E402

PRESETS = {
    # experiments/quickstart.conf: resnet10 w0.125 small stem, probes on flattened layer3,
    # attribution: k = 256, 8 projections, batch 64.
    "quickstart": dict(arch="resnet10", width=0.125, layer="layer3", k=256, projections=8,
                       batch_size=64, expect_params=21673),
    # the ResNet-18 row: ./ctrace bench trak --set model.arch=resnet18 --set model.width=1.0 ...
    "resnet18": dict(arch="resnet18", width=1.0, layer="layer3", k=256, projections=8,
                     batch_size=64, expect_params=2791489),
}


class ProbedNetwork(nn.Module):
    """The network up to `layer` (later stages removed, so they have no parameters) + a probe."""

    def __init__(self, arch, width, layer, pooled, image_size=32, channels=3, classes=10):
        super().__init__()
        self.layer = layer
        self.pooled = pooled
        self.body = ResNet(arch, width, True, channels, classes)
        last = int(layer[-1])
        for stage in range(last + 1, 5):
            delattr(self.body, f"layer{stage}")
        del self.body.fc
        with torch.no_grad():
            out = self.body(torch.zeros(1, channels, image_size, image_size), upto=layer)
        width_in = out.shape[1] if pooled else out[0].numel()
        self.probe = nn.Linear(width_in, 1)
        with torch.no_grad():
            self.probe.weight.normal_(0, 1 / math.sqrt(width_in))
            self.probe.bias.zero_()

    def forward(self, x):
        a = self.body(x, upto=self.layer)
        a = a.mean(dim=(2, 3)) if self.pooled else a.flatten(1)
        return self.probe(a).squeeze(-1)


class ProbeMargin(AbstractModelOutput):
    """The binary probe's margin s(x) * (2y - 1): what ConceptTrace attributes (Trak.signs)."""

    def __init__(self):
        super().__init__()

    def get_output(self, model, weights, buffers, image, label):
        s = torch.func.functional_call(model, (weights, buffers), image.unsqueeze(0))
        return (s * (2 * label.to(s.dtype) - 1)).sum()

    def get_out_to_loss_grad(self, model, weights, buffers, batch):
        images, labels = batch
        s = torch.func.functional_call(model, (weights, buffers), images)
        margin = s * (2 * labels.to(s.dtype) - 1)
        return (1 - torch.sigmoid(margin)).unsqueeze(-1)


class TimedBasicProjector(BasicProjector):
    """BasicProjector that adds up the time spent generating its matrix blocks."""

    generation_seconds = 0.0

    def generate_sketch_matrix(self, generator_state):
        t0 = time.perf_counter()
        super().generate_sketch_matrix(generator_state)
        self.generation_seconds += time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), required=True)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (intra-op)")
    ap.add_argument("--images", type=int, default=128, help="training images featurized")
    ap.add_argument("--k", type=int, help="projection dimension (default: the preset's)")
    ap.add_argument("--projections", type=int,
                    help="projections of the same gradients (default: the preset's); ctrace's"
                         " R = 1 also makes the stability replica: pass 2 to match it")
    ap.add_argument("--batch-size", type=int, help="featurization batch (default: the preset's)")
    ap.add_argument("--layer", help="probed layer (default: the preset's)")
    ap.add_argument("--pooled", action="store_true", help="probe on channel means, not flattened")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed batches first (gradients and projections), so that torch.func's"
                         " one-time tracing is not timed; `ctrace bench trak` has no warm-up"
                         " (pass 0 to time both sides from the first batch)")
    ap.add_argument("--gradient-images", type=int, default=16,
                    help="images of the per-example-gradients-alone rate, one batch, best of"
                         " three after a warm-up (`ctrace bench trak --loop-images`)")
    ap.add_argument("--block-size", type=int, default=100,
                    help="BasicProjector's block size (columns per generated block; the"
                         " reference's default 100)")
    args = ap.parse_args(argv)
    cfg = dict(PRESETS[args.preset])
    for key in ("k", "projections", "batch_size", "layer"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = ProbedNetwork(cfg["arch"], cfg["width"], cfg["layer"], args.pooled).eval()
    params = sum(p.numel() for p in model.parameters())
    print(f"network {cfg['arch']} w{cfg['width']} small stem to {cfg['layer']} + "
          f"{'pooled' if args.pooled else 'flattened'} probe: parameters P={params}")
    if params != cfg["expect_params"] and cfg["layer"] == PRESETS[args.preset]["layer"] \
            and not args.pooled:
        print(f"error: ConceptTrace's gradient has P={cfg['expect_params']} (`ctrace bench trak`"
              f" prints it); this one differs", file=sys.stderr)
        return 1
    task = ProbeMargin()
    computer = FunctionalGradientComputer(model, task, params, torch.float32, "cpu")
    projectors = [
        TimedBasicProjector(params, cfg["k"], seed=j, proj_type=ProjectionType.normal,
                            device="cpu", block_size=args.block_size, dtype=torch.float32)
        for j in range(cfg["projections"])
    ]
    b = cfg["batch_size"]
    images = torch.randn(args.images, 3, 32, 32)
    labels = torch.randint(0, 2, (args.images,))
    for start in range(0, min(args.warmup * b, args.images), b):
        batch = (images[start:start + b], labels[start:start + b])
        grads = vectorize(computer.compute_per_sample_grad(batch=batch), device="cpu")
        for projector in projectors:
            projector.project(grads, model_id=0)
    gradient_seconds = 0.0
    projection_seconds = 0.0
    generation_before = sum(p.generation_seconds for p in projectors)
    c0, t0 = time.process_time(), time.perf_counter()
    for start in range(0, args.images, b):
        batch = (images[start:start + b], labels[start:start + b])
        g0 = time.perf_counter()
        grads = vectorize(computer.compute_per_sample_grad(batch=batch), device="cpu")
        computer.compute_loss_grad(batch)
        g1 = time.perf_counter()
        for j, projector in enumerate(projectors):
            projector.project(grads, model_id=0).clone()
        projection_seconds += time.perf_counter() - g1
        gradient_seconds += g1 - g0
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    generation = sum(p.generation_seconds for p in projectors) - generation_before
    print(f"attribution traker BasicProjector normal, k={cfg['k']} x {cfg['projections']}, "
          f"batch {b}; torch {torch.__version__}, {torch.get_num_threads()} intra-op threads")
    print(f"featurize   {args.images} images in {wall:.1f} s = {args.images / wall:.1f} train "
          f"images/s, {args.images / cpu:.1f} train images/CPU-s")
    print(f"time shares gradients {100 * gradient_seconds / wall:.0f} %, projection generation "
          f"{100 * generation / wall:.0f} %, projection matmul "
          f"{100 * (projection_seconds - generation) / wall:.0f} %, other "
          f"{100 * (wall - gradient_seconds - projection_seconds) / wall:.0f} %")
    n = min(args.gradient_images, args.images)
    batch = (images[:n], labels[:n])
    vectorize(computer.compute_per_sample_grad(batch=batch), device="cpu")  # warm-up
    best = float("inf")
    for _ in range(3):
        g0 = time.perf_counter()
        vectorize(computer.compute_per_sample_grad(batch=batch), device="cpu")
        best = min(best, time.perf_counter() - g0)
    print(f"gradients   batched {n / best:.1f} ex/s (batch {n}, best of 3)")
    print(f"peak RSS    {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
