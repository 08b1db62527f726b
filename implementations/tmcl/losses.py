"""TMCL losses: multi-view Barlow Twins (Stage B, pre-training), the CaSSLe-style distillation of
the ``vi_si`` baseline, and the task loss (Stage A).

Card P02 §3 (verified: repo code).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

#: Barlow Twins off-diagonal weight and loss scale (card P02 §3).
BARLOW_LAMBDA = 0.005
BARLOW_SCALE = 0.024


def multiview_barlow(views: Sequence[Tensor], lam: float = BARLOW_LAMBDA, scale: float = BARLOW_SCALE) -> Tensor:
    """Multi-view Barlow Twins of embeddings ``views[v] [B, D]``.

    ``z_v`` are batch-normalised jointly over all views (mean and std over the ``V B`` rows);
    ``zbar`` is the mean over views; ``C_v = zbar^T z_v / B``;
    ``L = scale * sum_v [ sum_i (C_v,ii - 1)^2 + lam * sum_{i != j} C_v,ij^2 ]``.
    """
    z = torch.stack(list(views))  # [V, B, D]
    flat = z.reshape(-1, z.shape[-1])
    z = (z - flat.mean(0)) / (flat.std(0, unbiased=False) + 1e-5)
    zbar = z.mean(0)
    batch = z.shape[1]
    loss = z.new_zeros(())
    eye = torch.eye(z.shape[-1], dtype=z.dtype, device=z.device)
    for zv in z:
        c = zbar.T @ zv / batch
        loss = loss + ((torch.diagonal(c) - 1) ** 2).sum() + lam * (c.pow(2) * (1 - eye)).sum()
    return scale * loss


def distill_barlow(pred: Tensor, frozen: Tensor, lam: float = BARLOW_LAMBDA, scale: float = BARLOW_SCALE) -> Tensor:
    """CaSSLe-style distillation loss of one view (the repo's ``GhoshBarlowLoss`` on two "views":
    the predicted current projection ``pred`` and the frozen previous-session projection ``frozen``).

    Each of the two ``[B, D]`` inputs is batch-normalised on its own; ``zbar`` is their mean;
    ``d_{v,i} = mean_b z_v[b, i] zbar[b, i]``, ``K = zbar^T zbar / B``;
    ``L = scale * [ sum_{v,i} (d_{v,i} - 1)^2 / 2 + lam * sum_{i != j} K_ij^2 ]``.
    ``frozen`` is detached here: no gradient reaches the previous session's network.
    """
    zs = []
    for z in (pred, frozen.detach()):
        zs.append((z - z.mean(0)) / (z.var(0, unbiased=False) + 1e-5).sqrt())
    z = torch.stack(zs)
    zbar = z.mean(0)
    on_diag = (z * zbar).mean(1)  # [2, D]
    inv = ((on_diag - 1) ** 2).sum() / len(zs)
    k = zbar.T @ zbar / zbar.shape[0]
    off = k.pow(2).sum() - torch.diagonal(k).pow(2).sum()
    return scale * (inv + lam * off)


def task_loss(z_pos: Tensor, z_neg: Tensor, lam_neg: float = 1.0) -> Tensor:
    """Stage A loss on L2-normalised features, positives ``P`` and negatives ``N``:

    ``L_TL = (1 - mean_{i != j in P} cos(z_i, z_j)) + lam_neg * mean_{i in P, k in N} |cos(z_i, z_k)|``.
    """
    p = torch.nn.functional.normalize(z_pos, dim=-1)
    n = torch.nn.functional.normalize(z_neg, dim=-1)
    cpp = p @ p.T
    m = p.shape[0]
    if m < 2:
        raise ValueError("the task loss needs at least two positives (views) in a batch")
    pull = (cpp.sum() - torch.diagonal(cpp).sum()) / (m * (m - 1))
    return (1 - pull) + lam_neg * (p @ n.T).abs().mean()
