"""Writes the TorchScript reference-model fixtures of TorchScriptFeaturesTest and ConceptStageTest.

A tiny feature extractor (3x3 conv, 3 -> 4 channels, then ReLU), traced with real PyTorch and
fixed random weights, with fixed inputs and the outputs PyTorch computes for them. The Java test
loads the traced module through DJL's PyTorch engine and must reproduce the outputs to 1e-5.

Run: /work/pyenv/bin/python make_fixture.py  (writes into ../../resources/concept/torchscript)
"""

import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[2] / "resources" / "concept" / "torchscript"


def main() -> None:
    torch.manual_seed(1234)
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU()).eval()
    inputs = torch.rand(5, 3, 8, 8, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        traced = torch.jit.trace(module, inputs)
        outputs = traced(inputs)
    OUT.mkdir(parents=True, exist_ok=True)
    traced.save(str(OUT / "conv-relu.pt"))
    np.save(OUT / "inputs.npy", inputs.numpy().astype(np.float32))
    np.save(OUT / "outputs.npy", outputs.numpy().astype(np.float32))
    # The activation score of each image: the L2 norm over the 8x8 map of channels 1 and 3,
    # combined by max and by sum.
    norms = outputs[:, [1, 3]].flatten(2).norm(dim=2)
    np.save(OUT / "score-max.npy", norms.max(dim=1).values.numpy().astype(np.float64))
    np.save(OUT / "score-sum.npy", norms.sum(dim=1).numpy().astype(np.float64))
    # The identity as a reference network: its feature map is the image itself, so a stage test
    # knows every score from the pixels alone.
    torch.jit.trace(Identity().eval(), inputs).save(str(OUT / "identity.pt"))


class Identity(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 1.0


if __name__ == "__main__":
    main()
