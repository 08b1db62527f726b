"""The ``classification-jax`` protocol: the ``classification`` protocol's conventions for JAX models.

Same data path, splits, param groups and metric names as
``implementations.baselines.classification`` (whose helpers it reuses): the dataset's ``train``
split loses a stratified, seeded validation fraction; the state with the best validation accuracy
is kept and evaluated once on ``test``. What differs is the optimiser, which follows the SNNAX SHD
example (card P09 §3): optax AdamW (lr, weight decay ``weight_decay`` = 0.01) after global-norm
gradient clipping at ``grad_clip`` = 0.5, constant learning rate (no plateau scheduler), softmax
cross-entropy on the model's logits (a short last batch is padded with zero-weight samples so
that every step has one shape and compiles once). The train step is one ``jax.jit``-compiled function (its
first call, the compile, is reported as ``compile_seconds`` and excluded from ``train_seconds``).

Model factories: ``factory(n_inputs, n_classes, *, seed, **hparams)`` returning an Equinox module
``model(x [B, T, C], *, key=None) -> logits [B, n_classes]`` (dropout active when a key is given).
A model with a ``spikes(x)`` method gets activation sparsity and SynOps counted from its hidden
spikes; otherwise those metrics are NaN with the reason.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from implementations.baselines.classification import (
    DATA_KEYS,
    TRAINING_DEFAULTS,
    TrainConfig,
    _arrays,
    split_params,
    stratified_split,
)
from suite.errors import DataError, Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

#: Training keys of this protocol beyond the torch protocol's (whose lr-schedule keys are ignored here).
JAX_TRAINING_DEFAULTS: dict[str, Any] = {"weight_decay": 0.01, "grad_clip": 0.5}


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Train a JAX ``model`` on ``task``; the contract's metrics (module docstring)."""
    from suite.metrics.memory import PeakMemory

    if ctx.emulator != "ideal":
        raise ValueError(f"the classification-jax protocol runs only the 'ideal' emulator, got '{ctx.emulator}'")
    params = {k: v for k, v in ctx.params.items() if k not in JAX_TRAINING_DEFAULTS}
    extra = {**JAX_TRAINING_DEFAULTS, **{k: ctx.params[k] for k in JAX_TRAINING_DEFAULTS if k in ctx.params}}
    cfg = TrainConfig.from_params(params)
    with PeakMemory() as mem:
        out = _train_and_evaluate(
            task, model, ctx, cfg, params, float(extra["weight_decay"]), float(extra["grad_clip"])
        )
    out.set("peak_memory_bytes", mem.peak_bytes)
    out.artifacts["peak_memory_method"] = mem.method
    return out


def _train_and_evaluate(
    task: Task, model: ModelInfo, ctx: RunContext, cfg: TrainConfig, params: dict[str, Any], wd: float, clip: float
) -> Measurements:
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    from suite.data import get_dataset
    from suite.registry import build_registry

    ctx.seed_everything()
    if not task.dataset:
        raise ValueError(f"task '{task.name}' names no dataset")
    dataset = get_dataset(build_registry(), task.dataset)
    factory = model.build()
    data_keys = DATA_KEYS | frozenset(getattr(dataset, "param_names", ()))
    data_params, hparams = split_params(params, factory, data_keys)
    arrays = _arrays(dataset, Path(ctx.data_root), data_params)
    x_all, y_all = arrays["train"]
    x_te, y_te = arrays["test"]
    if len(y_all) < 2 or len(y_te) == 0:
        raise DataError(f"dataset '{task.dataset}' gave {len(y_all)} train and {len(y_te)} test samples")
    tr_idx, val_idx = stratified_split(y_all, cfg.val_fraction, ctx.rng("val-split"))
    x_tr, y_tr, x_val, y_val = x_all[tr_idx], y_all[tr_idx], x_all[val_idx], y_all[val_idx]
    n_inputs, n_classes = int(x_all.shape[2]), int(dataset.n_classes)
    net = factory(n_inputs, n_classes, seed=ctx.seed, **hparams)
    ctx.logger.info(
        "%s/%s: train %d, val %d, test %d; T=%d, %d inputs; hparams %s",
        task.name, model.name, len(y_tr), len(y_val), len(y_te), x_all.shape[1], n_inputs, hparams,
    )  # fmt: skip

    opt = optax.chain(optax.clip_by_global_norm(clip), optax.adamw(cfg.lr, weight_decay=wd))
    opt_state = opt.init(eqx.filter(net, eqx.is_inexact_array))

    def loss_fn(m: Any, xb: jax.Array, yb: jax.Array, wb: jax.Array, key: jax.Array) -> jax.Array:
        ce = optax.softmax_cross_entropy_with_integer_labels(m(xb, key=key), yb)
        return (ce * wb).sum() / wb.sum()

    @eqx.filter_jit
    def train_step(m: Any, o: Any, xb: Any, yb: Any, wb: Any, key: jax.Array) -> tuple[Any, Any, jax.Array]:
        loss, grads = eqx.filter_value_and_grad(loss_fn)(m, xb, yb, wb, key)
        updates, o = opt.update(grads, o, eqx.filter(m, eqx.is_inexact_array))
        return eqx.apply_updates(m, updates), o, loss

    @eqx.filter_jit
    def predict(m: Any, xb: jax.Array) -> jax.Array:
        return jnp.argmax(m(xb), axis=1)

    def evaluate(m: Any, x: np.ndarray, y: np.ndarray) -> float:
        correct = 0
        for s in range(0, len(y), cfg.eval_batch_size):
            xb, n_real = _padded(x[s : s + cfg.eval_batch_size], cfg.eval_batch_size)
            correct += int((np.asarray(predict(m, jnp.asarray(xb)))[:n_real] == y[s : s + n_real]).sum())
        return correct / len(y)

    rng = ctx.rng("batch-order")
    key = jax.random.PRNGKey(ctx.seed)
    train_loss: list[float] = []
    val_curve: list[float] = []
    best_val, best_epoch, best = -math.inf, 0, net
    train_seconds, compile_seconds = 0.0, math.nan
    for epoch in range(1, cfg.epochs + 1):
        perm = rng.permutation(len(y_tr))
        total, seen = 0.0, 0
        for b, s in enumerate(range(0, len(perm), cfg.batch_size)):
            idx = perm[s : s + cfg.batch_size]
            key, sub = jax.random.split(key)
            t0 = time.perf_counter()
            # a short last batch is padded with zero-weight samples: one shape, one compile
            xb, n_real = _padded(x_tr[idx], cfg.batch_size)
            yb, _ = _padded(y_tr[idx], cfg.batch_size)
            wb = (np.arange(cfg.batch_size) < n_real).astype(np.float32)
            net, opt_state, loss = train_step(net, opt_state, jnp.asarray(xb), jnp.asarray(yb), jnp.asarray(wb), sub)
            value = float(loss)  # blocks until the step is done
            elapsed = time.perf_counter() - t0
            if math.isnan(compile_seconds):
                compile_seconds = elapsed
            else:
                train_seconds += elapsed
            if not math.isfinite(value) or value > cfg.max_loss:
                raise Diverged(f"loss is {value:g} at epoch {epoch}, batch {b}")
            total, seen = total + value * len(idx), seen + len(idx)
        train_loss.append(total / max(seen, 1))
        if len(y_val):
            val_acc = evaluate(net, x_val, y_val)
            val_curve.append(val_acc)
            if val_acc > best_val:
                best_val, best_epoch, best = val_acc, epoch, net
        else:
            best_epoch, best = epoch, net
        ctx.logger.info("epoch %d/%d: loss %.4f, val %s", epoch, cfg.epochs, train_loss[-1], val_curve[-1:] or "n/a")
        ctx.progress(epoch, cfg.epochs)
        if cfg.patience is not None and len(y_val) and epoch - best_epoch >= cfg.patience:
            break

    evaluate(best, x_te[: cfg.eval_batch_size], y_te[: cfg.eval_batch_size])  # compile outside the timing
    t0 = time.perf_counter()
    accuracy = evaluate(best, x_te, y_te)
    eval_seconds = time.perf_counter() - t0

    out = Measurements()
    out.set("accuracy", accuracy)
    if len(y_val):
        out.set("val_accuracy", best_val)
    else:
        out.set("val_accuracy", None, reason="val_fraction leaves no validation sample; the last epoch is kept")
    arrays_ = jax.tree_util.tree_leaves(eqx.filter(best, eqx.is_inexact_array))
    out.set("params", sum(int(a.size) for a in arrays_))
    out.set("footprint_bytes", sum(int(a.size) * a.dtype.itemsize for a in arrays_))
    weights = [layer.weight for layer in best.graph.layers if hasattr(layer, "weight")]
    n_w = sum(int(w.size) for w in weights)
    out.set(
        "connection_sparsity", sum(int((w == 0).sum()) for w in weights) / n_w if n_w else None, reason="no weights"
    )
    state = jax.tree_util.tree_leaves(best.graph.init_state((1,)))
    out.set("state_bytes", sum(int(a.size) * a.dtype.itemsize for a in state))
    _activity(out, best, x_te, cfg.eval_batch_size)
    out.set("train_seconds", train_seconds)
    out.set("compile_seconds", compile_seconds, reason="no training step ran")
    out.set("eval_seconds", eval_seconds)
    out.set("samples_per_second", len(y_te) / eval_seconds if eval_seconds > 0 else None, reason="no measurable time")
    out.artifacts.update(
        {
            "train_loss": train_loss,
            "val_accuracy": val_curve,
            "best_epoch": best_epoch,
            "epochs_run": len(train_loss),
            "n_train": len(y_tr),
            "n_val": len(y_val),
            "n_test": len(y_te),
            "model_hparams": dict(hparams),
            "optimizer": f"clip_by_global_norm({clip}) + adamw(lr={cfg.lr}, weight_decay={wd})",
            "ignored_training_keys": sorted(k for k in ("lr_factor", "lr_patience", "min_lr") if k in params),
            "train_seconds_note": "training batches after the first (the compile) only",
            "jax_backend": jax.default_backend(),
        }
    )
    return out


def _padded(a: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """``a`` padded with zeros along axis 0 to ``size`` rows, and the number of real rows."""
    n = len(a)
    if n == size:
        return a, n
    return np.concatenate([a, np.zeros((size - n, *a.shape[1:]), a.dtype)]), n


def _activity(out: Measurements, net: Any, x: np.ndarray, batch: int) -> None:
    """Activation sparsity and per-sample SynOps (ACs from spikes into the next Linear) of the hidden layers."""
    import jax.numpy as jnp

    if not hasattr(net, "spikes"):
        for name in ("activation_sparsity", "synops_acs"):
            out.set(name, None, reason="the model exposes no spikes() for activity counting")
        return
    from implementations.snnax.stateful import Linear

    linears = [layer for layer in net.graph.layers if isinstance(layer, Linear)][1:]  # fed by spikes
    import equinox as eqx

    spikes_fn = eqx.filter_jit(lambda m, xb: m.spikes(xb))
    nonzero = total = acs = 0.0
    for s in range(0, len(x), batch):
        xb, n_real = _padded(x[s : s + batch], batch)
        for k, sp in enumerate(spikes_fn(net, jnp.asarray(xb))):
            sp = np.asarray(sp)[:, :n_real]  # [T, B, H]: drop the padding samples
            nz = float((sp != 0).sum())
            nonzero, total = nonzero + nz, total + sp.size
            if k < len(linears):
                acs += nz * linears[k].out_features
    out.set("activation_sparsity", 1.0 - nonzero / total if total else None, reason="no hidden spikes recorded")
    out.set("synops_acs", acs / len(x))
    out.artifacts["synops_note"] = "ACs: hidden spikes x fan-out of the next Linear, per sample (input layer excluded)"


__all__ = ["JAX_TRAINING_DEFAULTS", "TRAINING_DEFAULTS", "run"]
