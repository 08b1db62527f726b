"""Modulated backbones: the card's smoke MLP (P02 §6) and a ViT stand-in for paper scale.

``MLPBackbone``: 64 -> 128 -> 128, each linear layer modulated per class (card §6 smoke:
"MLP 64->128->128 with per-class modulations on both linear layers"), with BatchNorm between the
linear map and its modulation (as the repo modulates BatchNorm outputs in ResNets) and ReLU
after the first layer; the features are the second layer's (modulated) output.

``ViTBackbone``: a plain pre-norm ViT with the card's ConViT-small sizes (depth 6, embedding 384,
12 heads, MLP ratio 4, patch 4 for 32 px) and modulations on ``qkv``, ``proj``, ``fc1``,
``fc2`` (card §3). It is **not** ConViT (no GPSA blocks, so no ``qk``/``v``/``pos_proj``
modulations): a stand-in, labelled so in the README, about 10.7M parameters against
``convit_small_dytox``'s 11.0M.

``forward(x, task=None)``: ``task`` is a ``[B]`` tensor of class indices (``n_classes`` = no
modulation) or None.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.tmcl.modulation import ModulatedLinear, modulate


class MLPBackbone(nn.Module):
    def __init__(self, n_inputs: int = 64, hidden: int = 128, features: int = 128, n_classes: int = 10) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.features = features
        self.fc1 = ModulatedLinear(n_inputs, hidden, n_classes, bias=False)
        self.bn1 = nn.BatchNorm1d(hidden)
        self.fc2 = ModulatedLinear(hidden, features, n_classes, bias=False)
        self.bn2 = nn.BatchNorm1d(features)

    def _layer(self, lin: ModulatedLinear, bn: nn.BatchNorm1d, x: Tensor, task: Tensor | None) -> Tensor:
        h = bn(lin.linear(x))
        if task is None:
            return h
        return modulate(h, lin.modulation.params(task))

    def forward(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        x = x.flatten(1)
        h = torch.relu(self._layer(self.fc1, self.bn1, x, task))
        return self._layer(self.fc2, self.bn2, h, task)


class _Block(nn.Module):
    def __init__(self, dim: int, heads: int, n_classes: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = ModulatedLinear(dim, 3 * dim, n_classes)
        self.proj = ModulatedLinear(dim, dim, n_classes)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = ModulatedLinear(dim, mlp_ratio * dim, n_classes)
        self.fc2 = ModulatedLinear(mlp_ratio * dim, dim, n_classes)

    def forward(self, x: Tensor, task: Tensor | None) -> Tensor:
        b, n, d = x.shape
        qkv = self.qkv(self.norm1(x), task).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        x = x + self.proj(a.transpose(1, 2).reshape(b, n, d), task)
        return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x), task)), task)


class ViTBackbone(nn.Module):
    def __init__(
        self,
        image_size: int = 32,
        patch: int = 4,
        channels: int = 3,
        dim: int = 384,
        depth: int = 6,
        heads: int = 12,
        n_classes: int = 100,
    ) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.features = dim
        n_patches = (image_size // patch) ** 2
        self.embed = nn.Conv2d(channels, dim, patch, stride=patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n_patches + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(_Block(dim, heads, n_classes) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: Tensor, task: Tensor | None = None) -> Tensor:
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for blk in self.blocks:
            x = blk(x, task)
        return self.norm(x[:, 0])
