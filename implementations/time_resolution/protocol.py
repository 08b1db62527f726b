"""The ``time-resolution`` protocol: train at Δ_s, evaluate zero-shot at Δ_s/k (card P06 §6).

1. ``ctx.seed_everything()``; load train/test at the source resolution (``nb_steps`` bins over
   ``max_time``) and carve a stratified validation split from train (clean protocol, as the
   ``classification`` protocol does: the test set never selects or schedules anything).
2. Train the source model (Adam + ReduceLROnPlateau on validation accuracy; best state kept).
3. Evaluate at the source resolution (``accuracy_source``), then for each ratio k in ``ratios``
   re-bin the *same* event times at Δ_s/k (``nb_steps_t = k·(nb_steps − 1) + 1``, so that with
   ``np.digitize`` binning every source bin is the union of exactly k target bins from the same
   t = 0; card P06 §7) and evaluate every method of
   :data:`~implementations.time_resolution.mappings.METHODS` without retraining.
4. Optionally (``oracle``) train the same model directly at Δ_s/2 and record its accuracy and
   training time (card P06 §6, "oracle gap and training-time saving").

Metrics: ``accuracy`` (= ``accuracy_source``), ``accuracy_k<k>_<method>`` and
``drop_k<k>_<method>`` (source minus adapted) for every ratio and method (k = 0.5 is written
``0p5``), and, at k = 2, ``accuracy_tau_scaling`` (M1, the baseline), ``accuracy_adapted_best``
(best of M2-M4, the claims' "best proposed method") with its name in the artifacts,
``accuracy_unadapted`` (M0), and SynOps / activation sparsity of the best method at k = 2.
Artifact ``resolution_table``: one row per (k, method) for the report figure.

Defaults (suite choices): ``zero_init_state`` true, so that evaluation at every resolution is
deterministic and differences come from the mapping alone.
"""

from __future__ import annotations

import copy
import inspect
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from implementations.baselines.classification import DATA_KEYS, TrainConfig, split_params, stratified_split
from suite.errors import DataError, Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

PROTOCOL_DEFAULTS: dict[str, Any] = {"ratios": [2, 4, 0.5], "oracle": False}
ADAPTING = ("zoh", "euler", "impulse")


def ratio_name(k: float) -> str:
    """``2`` -> ``"2"``, ``0.5`` -> ``"0p5"`` (metric-name safe)."""
    return f"{k:g}".replace(".", "p")


def target_steps(nb_steps: int, k: float) -> int:
    """Bins at Δ_s/k that nest exactly in the source bins: k·(nb_steps − 1) + 1 (must be an integer)."""
    n = k * (nb_steps - 1)
    if abs(n - round(n)) > 1e-9 or round(n) < 1:
        raise ValueError(
            f"ratio k={k:g} does not nest in nb_steps={nb_steps}: k·(nb_steps − 1) = {n:g} must be a positive integer"
        )
    return int(round(n)) + 1


def _train(net: Any, x_tr, y_tr, x_val, y_val, cfg: TrainConfig, ctx: RunContext) -> tuple[dict, float, list]:
    """Adam + ReduceLROnPlateau on validation accuracy; returns (best state, train seconds, losses)."""
    import torch
    from torch import nn

    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="max", factor=cfg.lr_factor, patience=cfg.lr_patience, min_lr=cfg.min_lr
    )
    loss_fn = nn.CrossEntropyLoss()
    order = torch.Generator().manual_seed(ctx.seed)
    best_val, best_state, seconds, losses = -math.inf, copy.deepcopy(net.state_dict()), 0.0, []
    for epoch in range(1, cfg.epochs + 1):
        net.train()
        perm = torch.randperm(len(y_tr), generator=order)
        total = 0.0
        start = time.perf_counter()
        for b in range(0, len(perm), cfg.batch_size):
            idx = perm[b : b + cfg.batch_size]
            loss = loss_fn(net(x_tr[idx]), y_tr[idx])
            value = float(loss.detach())
            if not math.isfinite(value) or value > cfg.max_loss:
                raise Diverged(f"loss is {value:g} at epoch {epoch}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += value * len(idx)
        seconds += time.perf_counter() - start
        losses.append(total / len(y_tr))
        val = _accuracy(net, x_val, y_val, cfg.eval_batch_size, ctx.seed) if len(y_val) else -len(losses)
        scheduler.step(val)
        if val > best_val:
            best_val, best_state = val, copy.deepcopy(net.state_dict())
        ctx.logger.info("epoch %d/%d: loss %.4f, val acc %.4f", epoch, cfg.epochs, losses[-1], val)
        ctx.progress(epoch, cfg.epochs)
    return best_state, seconds, losses


def _accuracy(net: Any, x, y, batch: int, seed: int, recorder: Any = None) -> float:
    import torch

    net.eval()
    kw = (
        {"generator": torch.Generator().manual_seed(seed)}
        if "generator" in inspect.signature(net.forward).parameters
        else {}
    )
    correct = 0
    with torch.no_grad():
        for b in range(0, len(y), batch):
            correct += int((net(x[b : b + batch], **kw).argmax(dim=1) == y[b : b + batch]).sum())
            if recorder is not None:
                recorder.add_samples(len(y[b : b + batch]))
    return correct / len(y)


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Train at the source resolution and evaluate every mapping at every ratio (module docstring)."""
    import torch

    from implementations.time_resolution.adapted import adapt_network
    from implementations.time_resolution.mappings import METHODS
    from suite.data import get_dataset
    from suite.metrics.activity import ActivityRecorder
    from suite.metrics.memory import PeakMemory
    from suite.metrics.static import param_count, state_bytes
    from suite.registry import build_registry

    if ctx.emulator != "ideal":
        raise ValueError(f"the time-resolution protocol runs only the 'ideal' emulator, got '{ctx.emulator}'")
    params = {"zero_init_state": True, **ctx.params}
    ratios: Sequence[float] = [float(k) for k in params.pop("ratios", PROTOCOL_DEFAULTS["ratios"])]
    oracle = bool(params.pop("oracle", PROTOCOL_DEFAULTS["oracle"]))
    if 2.0 not in ratios:
        raise ValueError(f"ratios must include 2 (the claims' setting), got {ratios}")
    cfg = TrainConfig.from_params(params)
    ctx.seed_everything()
    dataset = get_dataset(build_registry(), task.dataset or "")
    factory = model.build()
    data_params, hparams = split_params(params, factory, DATA_KEYS | frozenset(getattr(dataset, "param_names", ())))
    nb_steps = int(data_params.get("nb_steps", 0))
    if nb_steps < 2:
        raise ValueError("the time-resolution protocol needs an explicit source 'nb_steps' >= 2")
    root = Path(ctx.data_root)

    def load(split: str, steps: int) -> tuple[Any, Any]:
        p = {**data_params, "nb_steps": steps, "out_of_range": "drop"}
        if split == "test" and data_params.get("max_test_samples") is not None:
            p["max_samples"] = data_params["max_test_samples"]
        x, y = dataset.arrays(root, split, p)
        return torch.from_numpy(x), torch.from_numpy(y)

    x_all, y_all = load("train", nb_steps)
    x_te, y_te = load("test", nb_steps)
    if len(y_all) < 2 or len(y_te) == 0:
        raise DataError(f"dataset '{task.dataset}' gave {len(y_all)} train / {len(y_te)} test samples")
    tr, va = stratified_split(y_all.numpy(), cfg.val_fraction, ctx.rng("val-split"))
    n_in, n_cls = int(x_all.shape[2]), int(dataset.n_classes)

    out = Measurements()
    table: list[dict[str, Any]] = []
    with PeakMemory() as mem:
        net = factory(n_in, n_cls, **hparams)
        state, train_seconds, losses = _train(net, x_all[tr], y_all[tr], x_all[va], y_all[va], cfg, ctx)
        net.load_state_dict(state)
        net.eval()
        acc_src = _accuracy(net, x_te, y_te, cfg.eval_batch_size, ctx.seed)
        table.append({"k": 1.0, "method": "source", "accuracy": acc_src})
        for k in ratios:
            xk, yk = load("test", target_steps(nb_steps, k))
            for method in METHODS:
                acc = _accuracy(adapt_network(net, method, k), xk, yk, cfg.eval_batch_size, ctx.seed)
                table.append({"k": k, "method": method, "accuracy": acc})
                out.set(f"accuracy_k{ratio_name(k)}_{method}", acc)
                out.set(f"drop_k{ratio_name(k)}_{method}", acc_src - acc)
        at2 = {r["method"]: r["accuracy"] for r in table if r["k"] == 2.0}
        best = max(ADAPTING, key=lambda m: at2[m])
        x2, y2 = load("test", target_steps(nb_steps, 2.0))
        adapted = adapt_network(net, best, 2.0)
        with ActivityRecorder(adapted) as recorder:
            _accuracy(adapted, x2, y2, cfg.eval_batch_size, ctx.seed, recorder)
        recorder.record(out)
        out.set("state_bytes", state_bytes(adapted))
        if oracle:
            x2_all, _ = load("train", target_steps(nb_steps, 2.0))
            ctx.seed_everything(offset=1)
            onet = factory(n_in, n_cls, **hparams)
            ostate, osec, _ = _train(onet, x2_all[tr], y_all[tr], x2_all[va], y_all[va], cfg, ctx)
            onet.load_state_dict(ostate)
            acc_oracle = _accuracy(onet, x2, y2, cfg.eval_batch_size, ctx.seed)
            out.set("accuracy_oracle_k2", acc_oracle)
            out.set("accuracy_gap_vs_oracle", acc_oracle - at2[best])
            out.set("train_seconds_oracle", osec)
        else:
            for name in ("accuracy_oracle_k2", "accuracy_gap_vs_oracle", "train_seconds_oracle"):
                out.set(name, None, reason="oracle training at Δ_s/2 is off (param oracle: false)")
    out.set("accuracy", acc_src)
    out.set("accuracy_source", acc_src)
    out.set("accuracy_tau_scaling", at2["tau"])
    out.set("accuracy_unadapted", at2["none"])
    out.set("accuracy_adapted_best", at2[best])
    out.set("params", param_count(net))
    out.set("train_seconds", train_seconds)
    out.set("peak_memory_bytes", mem.peak_bytes)
    out.artifacts.update(
        {
            "resolution_table": table,
            "best_method_k2": best,
            "train_loss": losses,
            "nb_steps_source": nb_steps,
            "model_hparams": dict(hparams),
            "synops_note": "SynOps and activation sparsity of the best mapping at k = 2",
            "method_note": "reference re-discretisations (card P06 §3), not verified to be the paper's methods",
        }
    )
    return out


def summarize(table: Sequence[Mapping[str, Any]]) -> dict[tuple[float, str], float]:
    """``{(k, method): accuracy}`` from a ``resolution_table`` artifact."""
    return {(float(r["k"]), str(r["method"])): float(r["accuracy"]) for r in table}


__all__ = ["run", "ratio_name", "summarize", "target_steps"]
