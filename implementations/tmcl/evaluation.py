"""Evaluation on unmodulated features (card P02 §3 "Evaluation"): weighted kNN (k = 20,
temperature 0.07, as in solo-learn / the repo's online kNN), a linear probe (SGD, lr 0.1,
momentum 0.9, step decay x0.1 at 60 % and 80 % of the epochs), and forgetting (card §6: max
previous accuracy minus final accuracy per class group, computed by the suite).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor


def knn_predict(
    train_f: Tensor, train_y: Tensor, test_f: Tensor, n_classes: int, k: int = 20, temperature: float = 0.07
) -> Tensor:
    """Weighted kNN on cosine similarity: class score ``sum_{top-k} exp(sim / T)``; returns labels ``[N]``."""
    a = torch.nn.functional.normalize(train_f, dim=-1)
    b = torch.nn.functional.normalize(test_f, dim=-1)
    sim = b @ a.T
    k = min(k, a.shape[0])
    top, idx = sim.topk(k, dim=1)
    w = (top / temperature).exp()
    scores = torch.zeros(b.shape[0], n_classes, dtype=w.dtype)
    scores.scatter_add_(1, train_y[idx], w)
    return scores.argmax(1)


def linear_probe(
    train_f: Tensor,
    train_y: Tensor,
    test_f: Tensor,
    n_classes: int,
    *,
    epochs: int = 100,
    batch_size: int = 128,
    lr: float = 0.1,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Train a linear classifier on frozen (standardised) features; return test predictions."""
    mean, std = train_f.mean(0), train_f.std(0) + 1e-6
    xtr, xte = (train_f - mean) / std, (test_f - mean) / std
    head = torch.nn.Linear(xtr.shape[1], n_classes)
    opt = torch.optim.SGD(head.parameters(), lr=lr, momentum=0.9, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(0.6 * epochs), int(0.8 * epochs)], 0.1)
    n = xtr.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator)
        for lo in range(0, n, batch_size):
            i = perm[lo : lo + batch_size]
            loss = torch.nn.functional.cross_entropy(head(xtr[i]), train_y[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    with torch.no_grad():
        return head(xte).argmax(1)


def forgetting(group_acc: Sequence[Sequence[float]]) -> float:
    """Mean over class groups ``g`` (all but the last) of ``max_{s < S-1} acc[s][g] - acc[S-1][g]``.

    ``group_acc[s][g]`` is the accuracy on group ``g``'s test samples after session ``s`` (NaN
    where ``g`` was not yet seen). NaN if fewer than two sessions.
    """
    a = np.array(group_acc, dtype=float)
    if a.shape[0] < 2:
        return float("nan")
    drops = [np.nanmax(a[:-1, g]) - a[-1, g] for g in range(a.shape[0] - 1)]
    return float(np.mean(drops))


def _ridge_r2(x: np.ndarray, y: np.ndarray, fit: np.ndarray, held: np.ndarray, ridge: float) -> float:
    """Held-out R^2 of a ridge regression of ``y`` on ``[x, 1]`` fitted on rows ``fit``."""
    x = np.c_[x, np.ones(len(x))]
    w = np.linalg.solve(x[fit].T @ x[fit] + ridge * np.eye(x.shape[1]), x[fit].T @ y[fit])
    res = y[held] - x[held] @ w
    return float(1.0 - res.var(0).sum() / y[held].var(0).sum())


def modulation_target_information(
    features: Tensor,
    expected_target: Tensor,
    labels: np.ndarray,
    *,
    k: int = 20,
    temperature: float = 0.07,
    ridge: float = 1.0,
    seed: int = 0,
) -> dict[str, float]:
    """How much label information ``L_MI``'s targets hold beyond the unmodulated features.

    ``L_MI`` asks ``pred(h(f(x)))`` to match ``h(f_{m_c}(x))`` for a class ``c`` drawn at random from
    the seen classes, so the most the unmodulated branch can learn from it is the expectation
    ``E_c[h(f_{m_c}(x))]`` (``expected_target``). Label information can only flow into the features
    if that expectation separates the classes better than the features already do. Measured on one
    half of the rows (a fixed permutation from ``seed``) with the other half as kNN bank / ridge fit:

    * ``knn_features``, ``knn_expected_target``: weighted kNN accuracy (``k``, ``temperature``) on
      the features and on the expected target; ``knn_gain`` = their difference;
    * ``label_r2_gain``: held-out R^2 of a ridge regression of the expected target on
      ``[features, one-hot label]`` minus that on the features alone (0 when the target is a
      function of the features, > 0 when it carries label information they lack).
    """
    n = len(labels)
    perm = np.random.default_rng(seed).permutation(n)
    fit, held = perm[: n // 2], perm[n // 2 :]
    y = torch.as_tensor(labels)
    n_classes = int(labels.max()) + 1
    fit_t, held_t = torch.as_tensor(fit), torch.as_tensor(held)

    def knn(z: Tensor) -> float:
        pred = knn_predict(z[fit_t], y[fit_t], z[held_t], n_classes, k, temperature).numpy()
        return float(np.mean(pred == labels[held]))

    f = features.double().numpy()
    t = expected_target.double().numpy()
    onehot = np.eye(n_classes)[labels]
    out = {"knn_features": knn(features), "knn_expected_target": knn(expected_target)}
    out["knn_gain"] = out["knn_expected_target"] - out["knn_features"]
    out["label_r2_gain"] = _ridge_r2(np.c_[f, onehot], t, fit, held, ridge) - _ridge_r2(f, t, fit, held, ridge)
    return out
