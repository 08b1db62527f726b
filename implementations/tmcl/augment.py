"""Augmentations of the smoke run (card P02 §6): random +-1 px shift, Gaussian noise sigma 0.1,
random erasing; re-implemented in torch because kornia is not in the stack (card §7).

Images are ``[B, C, H, W]`` floats in [0, 1]. At paper scale (CIFAR) the card's CaSSLe-style
pipeline (RandomResizedCrop, ColorJitter, Grayscale, HFlip, Solarize) is **not** implemented;
the same three augmentations plus a horizontal flip stand in (stated in the README).
"""

from __future__ import annotations

import torch
from torch import Tensor


def random_shift(x: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Shift each image by an integer ``(dy, dx)`` in ``[-max_shift, max_shift]``, zero-filled."""
    b, _, h, w = x.shape
    pad = torch.nn.functional.pad(x, (max_shift,) * 4)
    d = torch.randint(0, 2 * max_shift + 1, (b, 2), generator=generator)
    rows = (d[:, 0, None] + torch.arange(h)).clamp(max=h + 2 * max_shift - 1)
    cols = (d[:, 1, None] + torch.arange(w)).clamp(max=w + 2 * max_shift - 1)
    idx_b = torch.arange(b)[:, None, None]
    return pad.permute(0, 2, 3, 1)[idx_b, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def random_erase(x: Tensor, p: float, max_frac: float, generator: torch.Generator) -> Tensor:
    """With probability ``p`` per image, zero a random rectangle of up to ``max_frac`` of each side."""
    b, _, h, w = x.shape
    out = x.clone()
    apply = torch.rand(b, generator=generator) < p
    eh = torch.randint(1, max(2, int(h * max_frac) + 1), (b,), generator=generator)
    ew = torch.randint(1, max(2, int(w * max_frac) + 1), (b,), generator=generator)
    y0 = (torch.rand(b, generator=generator) * (h - eh + 1)).long()
    x0 = (torch.rand(b, generator=generator) * (w - ew + 1)).long()
    rows, cols = torch.arange(h), torch.arange(w)
    mask = (
        (rows[None, :, None] >= y0[:, None, None])
        & (rows[None, :, None] < (y0 + eh)[:, None, None])
        & (cols[None, None, :] >= x0[:, None, None])
        & (cols[None, None, :] < (x0 + ew)[:, None, None])
        & apply[:, None, None]
    )
    return out.masked_fill(mask[:, None], 0.0)


def intensity_jitter(x: Tensor, contrast: float, brightness: float, generator: torch.Generator) -> Tensor:
    """Per image ``a x + b`` with ``a ~ U(1 - contrast, 1 + contrast)``, ``b ~ U(-brightness, brightness)``.

    The grey-scale counterpart of ColorJitter's contrast and brightness (card P02 §3 CaSSLe
    augmentations), applied to the whole image (background included).
    """
    b = x.shape[0]
    gain = 1 + contrast * (2 * torch.rand(b, generator=generator) - 1)
    offset = brightness * (2 * torch.rand(b, generator=generator) - 1)
    return gain[:, None, None, None] * x + offset[:, None, None, None]


def augment(
    x: Tensor,
    generator: torch.Generator,
    *,
    max_shift: int = 1,
    noise: float = 0.1,
    erase_p: float = 0.5,
    hflip: bool = False,
    contrast: float = 0.0,
    brightness: float = 0.0,
) -> Tensor:
    """One random view: shift, optional horizontal flip, optional intensity jitter, Gaussian noise,
    random erasing. With ``contrast = brightness = 0`` no random numbers are drawn for the jitter
    (the views of earlier runs are unchanged)."""
    v = random_shift(x, max_shift, generator)
    if hflip:
        flip = torch.rand(x.shape[0], generator=generator) < 0.5
        v = torch.where(flip[:, None, None, None], v.flip(-1), v)
    if contrast > 0 or brightness > 0:
        v = intensity_jitter(v, contrast, brightness, generator)
    v = v + noise * torch.randn(v.shape, generator=generator)
    return random_erase(v, erase_p, 0.5, generator)
