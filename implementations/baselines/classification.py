"""The ``classification`` protocol: train a sequence classifier, select on validation, test once.

Used by every task whose samples are dense binned spike trains ``X [N, T, C]`` with one label
each (``shd``, ``digits-spikes``, ...), and by every model whose factory is
``factory(n_inputs, n_classes, **hparams) -> nn.Module`` with ``forward(x [B, T, C]) -> scores
[B, n_classes]`` (an optional ``generator`` keyword seeds random initial states).

Procedure (card P01 §3 "Optimisation", with the clean protocol of §7):

1. ``ctx.seed_everything()``; load the dataset's ``train`` and ``test`` splits through
   ``suite.data``.
2. Carve a stratified, seeded validation split (``val_fraction`` of train, default 0.1) out of
   train. The test set is never used for selection or scheduling.
3. Adam (lr ``lr``) on ``nn.CrossEntropyLoss(model(x), y)``; ReduceLROnPlateau(mode='max',
   factor ``lr_factor`` = 0.7, patience ``lr_patience`` = 10, min_lr ``min_lr`` = 1e-6) stepped on
   validation accuracy after every epoch. The state with the best validation accuracy (first
   best on ties) is kept; optional early stopping after ``patience`` epochs without improvement.
4. A non-finite loss, or one above ``max_loss``, raises :class:`suite.errors.Diverged`.
5. The kept state is evaluated on test: accuracy and wall time in one pass, activity metrics
   (SynOps, activation sparsity) in a second pass under ``suite.metrics.ActivityRecorder``.
   Both evaluation passes draw random initial states from a generator seeded with the run's
   seed, so they see identical model outputs.

Params (``ctx.params``, merged from the task scale, the model scale and the spec) fall in three
groups. **Training** keys, read here: :data:`TRAINING_DEFAULTS`. **Data** keys, passed to
``Dataset.arrays``: :data:`DATA_KEYS`. **Model** keys: every other key, passed to the factory,
which must accept it (a key nobody accepts raises ``ValueError``, so that a typo in a plan
cannot silently change nothing). torch's thread count is ``ctx.threads`` (the spec's CPUs), set
by ``ctx.seed_everything()``.
"""

from __future__ import annotations

import copy
import inspect
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from suite.errors import DataError, Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

#: Training keys and their defaults (card P01 §3: Adam, ReduceLROnPlateau(max, 0.7, 10, 1e-6), 100 epochs).
TRAINING_DEFAULTS: dict[str, Any] = {
    "epochs": 100,
    "batch_size": 128,
    "eval_batch_size": None,  # None: batch_size
    "lr": 1e-3,
    "lr_factor": 0.7,
    "lr_patience": 10,
    "min_lr": 1e-6,
    "val_fraction": 0.1,
    "patience": None,  # early stopping after this many epochs without a better val accuracy; None: off
    "max_loss": 1e4,  # a loss above this counts as divergence
}
#: Keys handed to ``Dataset.arrays`` (binning, encoding and subsampling of the data): those of the
#: built-in datasets, plus any a dataset lists in an optional ``param_names`` attribute.
#: ``max_samples`` keeps the first N samples of each split; ``max_test_samples``, read here,
#: replaces it for the test split.
DATA_KEYS = frozenset(
    {"nb_steps", "max_time", "pool", "out_of_range", "max_rate", "encoding_seed", "max_samples", "max_test_samples"}
)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int
    batch_size: int
    eval_batch_size: int
    lr: float
    lr_factor: float
    lr_patience: int
    min_lr: float
    val_fraction: float
    patience: int | None
    max_loss: float

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TrainConfig:
        p = {**TRAINING_DEFAULTS, **{k: v for k, v in params.items() if k in TRAINING_DEFAULTS}}
        cfg = cls(
            epochs=int(p["epochs"]),
            batch_size=int(p["batch_size"]),
            eval_batch_size=int(p["eval_batch_size"] or p["batch_size"]),
            lr=float(p["lr"]),
            lr_factor=float(p["lr_factor"]),
            lr_patience=int(p["lr_patience"]),
            min_lr=float(p["min_lr"]),
            val_fraction=float(p["val_fraction"]),
            patience=None if p["patience"] is None else int(p["patience"]),
            max_loss=float(p["max_loss"]),
        )
        if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.eval_batch_size < 1:
            raise ValueError(f"epochs, batch_size and eval_batch_size must be >= 1: {cfg}")
        if not 0.0 <= cfg.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {cfg.val_fraction}")
        return cfg


def split_params(
    params: Mapping[str, Any], factory: Callable[..., Any], data_keys: frozenset[str] = DATA_KEYS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data_params, model_hparams)`` from the merged params; training keys go to neither.

    Model hparams are the keys that are neither training nor data keys; each must be a keyword
    of ``factory`` (or the factory takes ``**kwargs``), else ``ValueError`` names it, so that a
    typo in a plan fails instead of silently changing nothing.
    """
    data = {k: v for k, v in params.items() if k in data_keys}
    rest = {k: v for k, v in params.items() if k not in data_keys and k not in TRAINING_DEFAULTS}
    sig = inspect.signature(factory)
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        accepted = {n for n, p in sig.parameters.items() if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
        unknown = sorted(set(rest) - accepted)
        if unknown:
            raise ValueError(
                f"unknown param(s) {', '.join(unknown)}: not a training key ({', '.join(sorted(TRAINING_DEFAULTS))}), "
                f"not a data key ({', '.join(sorted(data_keys))}) and not accepted by the model factory "
                f"{getattr(factory, '__qualname__', factory)}{sig}"
            )
    return data, rest


def stratified_split(y: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, val_idx)``: about ``fraction`` of the samples, spread over classes in proportion.

    Each class is shuffled; a sample's key is its rank within its class over the class size (plus
    a random tie-break), and the ``round(fraction · N)`` smallest keys go to validation. So every
    class gives ``fraction`` of its samples up to rounding, even when ``fraction · n_c < 1``.
    """
    n = len(y)
    n_val = int(round(fraction * n))
    if n_val == 0:
        return np.arange(n), np.arange(0)
    key = np.empty(n, dtype=np.float64)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        order = rng.permutation(len(idx))
        key[idx[order]] = (np.arange(len(idx)) + rng.random(len(idx))) / len(idx)
    ranked = np.argsort(key, kind="stable")
    return np.sort(ranked[n_val:]), np.sort(ranked[:n_val])


# -- the protocol ----------------------------------------------------------------------------------


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Train ``model`` on ``task`` and return the contract's metrics (see the module docstring)."""
    from suite.metrics.memory import PeakMemory

    if ctx.emulator != "ideal":
        raise ValueError(f"the classification protocol runs only the 'ideal' emulator, got '{ctx.emulator}'")
    cfg = TrainConfig.from_params(ctx.params)
    with PeakMemory() as mem:
        out = _train_and_evaluate(task, model, ctx, cfg)
    out.set("peak_memory_bytes", mem.peak_bytes)
    out.artifacts["peak_memory_method"] = mem.method
    return out


def _arrays(dataset: Any, root: Path, data_params: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The train and test arrays, and ``valid`` when the dataset has its own validation split
    (SSC, GSC); ``max_test_samples`` replaces ``max_samples`` for test and valid."""
    per_split = {"train": dict(data_params), "test": dict(data_params)}
    if "valid" in getattr(dataset, "splits", ()):
        per_split["valid"] = dict(data_params)
    for split in ("test", "valid"):
        if split in per_split and data_params.get("max_test_samples") is not None:
            per_split[split]["max_samples"] = data_params["max_test_samples"]
    for split in per_split:
        dataset.check_split(split)
    return {split: dataset.arrays(root, split, p) for split, p in per_split.items()}


def _train_and_evaluate(task: Task, model: ModelInfo, ctx: RunContext, cfg: TrainConfig) -> Measurements:
    import torch
    from torch import nn

    from suite.data import get_dataset
    from suite.metrics import record
    from suite.metrics.activity import ActivityRecorder
    from suite.metrics.static import connection_sparsity as conn_sparsity
    from suite.metrics.static import footprint_bytes, param_count
    from suite.metrics.static import state_bytes as state_size
    from suite.registry import build_registry

    ctx.seed_everything()
    if not task.dataset:
        raise ValueError(f"task '{task.name}' names no dataset")
    dataset = get_dataset(build_registry(), task.dataset)
    factory = model.build()
    data_keys = DATA_KEYS | frozenset(getattr(dataset, "param_names", ()))
    data_params, hparams = split_params(ctx.params, factory, data_keys)
    arrays = _arrays(dataset, Path(ctx.data_root), data_params)
    x_train_all, y_train_all = arrays["train"]
    x_test, y_test = arrays["test"]
    if len(y_train_all) < 2 or len(y_test) == 0:
        raise DataError(
            f"dataset '{task.dataset}' gave {len(y_train_all)} train and {len(y_test)} test samples with {data_params}; "
            "need at least 2 train and 1 test sample"
        )
    if "valid" in arrays:  # the dataset's own validation split (SSC, GSC): nothing is carved from train
        x_valid, y_valid = arrays["valid"]
        x_tr, y_tr = torch.from_numpy(x_train_all), torch.from_numpy(y_train_all)
        x_val, y_val = torch.from_numpy(x_valid), torch.from_numpy(y_valid)
        validation = "the dataset's valid split"
    else:  # SHD and others have none: carve a stratified, seeded part of train (never select on test)
        train_idx, val_idx = stratified_split(y_train_all, cfg.val_fraction, ctx.rng("val-split"))
        x_tr, y_tr = torch.from_numpy(x_train_all[train_idx]), torch.from_numpy(y_train_all[train_idx])
        x_val, y_val = torch.from_numpy(x_train_all[val_idx]), torch.from_numpy(y_train_all[val_idx])
        validation = f"{cfg.val_fraction:g} of train, stratified"
    x_te, y_te = torch.from_numpy(x_test), torch.from_numpy(y_test)
    n_inputs, n_classes = int(x_train_all.shape[2]), int(dataset.n_classes)
    ctx.logger.info(
        "%s/%s: train %d, val %d, test %d samples; T=%d, %d inputs, %d classes; hparams %s",
        task.name, model.name, len(y_tr), len(y_val), len(y_te), x_train_all.shape[1], n_inputs, n_classes, hparams,
    )  # fmt: skip

    device = torch.device(ctx.device)
    net: nn.Module = factory(n_inputs, n_classes, **hparams).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="max", factor=cfg.lr_factor, patience=cfg.lr_patience, min_lr=cfg.min_lr
    )
    loss_fn = nn.CrossEntropyLoss()
    order_gen = torch.Generator().manual_seed(ctx.seed)
    takes_generator = "generator" in inspect.signature(net.forward).parameters

    def evaluate(x: torch.Tensor, y: torch.Tensor, recorder: Any = None) -> float:
        """Accuracy with initial states from a fresh generator seeded by the run's seed."""
        net.eval()
        kw = {"generator": torch.Generator().manual_seed(ctx.seed)} if takes_generator else {}
        correct = 0
        with torch.no_grad():
            for start in range(0, len(y), cfg.eval_batch_size):
                xb = x[start : start + cfg.eval_batch_size].to(device)
                yb = y[start : start + cfg.eval_batch_size].to(device)
                correct += int((net(xb, **kw).argmax(dim=1) == yb).sum())
                if recorder is not None:
                    recorder.add_samples(len(yb))
        return correct / len(y)

    train_loss: list[float] = []
    val_curve: list[float] = []
    lr_curve: list[float] = []
    best_val, best_epoch, best_state = -math.inf, 0, copy.deepcopy(net.state_dict())
    train_seconds = 0.0
    for epoch in range(1, cfg.epochs + 1):
        net.train()
        perm = torch.randperm(len(y_tr), generator=order_gen)
        total, seen = 0.0, 0
        start_time = time.perf_counter()
        for b, start in enumerate(range(0, len(perm), cfg.batch_size)):
            idx = perm[start : start + cfg.batch_size]
            xb, yb = x_tr[idx].to(device), y_tr[idx].to(device)
            loss = loss_fn(net(xb), yb)
            value = float(loss.detach())
            if not math.isfinite(value) or value > cfg.max_loss:
                raise Diverged(f"loss is {value:g} at epoch {epoch}, batch {b}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += value * len(idx)
            seen += len(idx)
        train_seconds += time.perf_counter() - start_time
        train_loss.append(total / max(seen, 1))
        lr_curve.append(float(optimizer.param_groups[0]["lr"]))
        if len(y_val):
            val_acc = evaluate(x_val, y_val)
            val_curve.append(val_acc)
            scheduler.step(val_acc)
            if val_acc > best_val:
                best_val, best_epoch, best_state = val_acc, epoch, copy.deepcopy(net.state_dict())
        else:  # no validation split: keep the last state
            best_epoch, best_state = epoch, copy.deepcopy(net.state_dict())
        ctx.logger.info(
            "epoch %d/%d: train loss %.4f, val acc %s, lr %.3g",
            epoch, cfg.epochs, train_loss[-1], f"{val_curve[-1]:.4f}" if val_curve else "n/a", lr_curve[-1],
        )  # fmt: skip
        ctx.progress(epoch, cfg.epochs)
        if cfg.patience is not None and len(y_val) and epoch - best_epoch >= cfg.patience:
            ctx.logger.info("early stop after epoch %d: no better val accuracy since epoch %d", epoch, best_epoch)
            break

    net.load_state_dict(best_state)
    start_time = time.perf_counter()
    accuracy = evaluate(x_te, y_te)
    eval_seconds = time.perf_counter() - start_time
    with ActivityRecorder(net) as recorder:
        evaluate(x_te, y_te, recorder)

    out = Measurements()
    out.set("accuracy", accuracy)
    if len(y_val):
        out.set("val_accuracy", best_val)
    else:
        out.set("val_accuracy", None, reason="val_fraction leaves no validation sample; the last epoch is kept")
    out.set("params", param_count(net))
    out.set("footprint_bytes", footprint_bytes(net))
    record(out, "connection_sparsity", lambda: conn_sparsity(net))
    record(out, "state_bytes", lambda: state_size(net))
    recorder.record(out)
    out.set("train_seconds", train_seconds)
    out.set("eval_seconds", eval_seconds)
    if eval_seconds > 0:
        out.set("samples_per_second", len(y_te) / eval_seconds)
    else:
        out.set("samples_per_second", None, reason="evaluation took no measurable time")
    out.artifacts.update(
        {
            "train_loss": train_loss,
            "val_accuracy": val_curve,
            "lr": lr_curve,
            "best_epoch": best_epoch,
            "epochs_run": len(train_loss),
            "n_train": len(y_tr),
            "n_val": len(y_val),
            "validation": validation,
            "n_test": len(y_te),
            "threads": torch.get_num_threads(),
            "model_hparams": dict(hparams),
            "train_seconds_note": "training batches only; validation passes excluded",
        }
    )
    return out
