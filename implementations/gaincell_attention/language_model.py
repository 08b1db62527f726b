"""The ``language-model`` protocol: train a GPT variant, evaluate loss and perplexity (card P08 §6b).

For every model: ``ctx.seed_everything()``, token streams of the task's dataset (``train``,
``val``, ``test``), AdamW (lr ``lr``, betas (0.9, 0.95), weight decay ``weight_decay`` on 2-D
weights only, as nanoGPT), random windows of ``block_size`` + 1 tokens, gradient clipping at 1.0.
Evaluation: the mean cross-entropy (nats per character) over ``eval_batches`` fixed windows per
split, drawn from the stream ``"eval"`` of the run seed, so every variant of a seed sees the same
windows; perplexity = exp(loss).

The nonlinear gain-cell model ``gaincell-gpt`` runs the authors' chain (card P08 §3 "Recipe")
in one spec, recording every rung:

1. train the linear gain-cell model for ``iters`` iterations (it keeps the EMA target statistics)
   -> ``val_loss_linear``;
2. copy its weights into the nonlinear model -> ``val_loss_no_adaptation`` and
   ``kl_to_linear_no_adaptation`` (mean per-token KL divergence of the nonlinear model's next-character
   distribution from the linear model's, on the validation windows: the gap the nonlinearity opens,
   measured in function space, far less noisy than a loss difference);
3. if ``adapt``: the adaptation algorithm on one training batch -> ``val_loss_adapted``,
   ``kl_to_linear_adapted``, ``adaptation_iterations``, ``adaptation_std_error_before/after``;
4. fine-tune the nonlinear model for ``finetune_iters`` iterations -> ``val_loss`` (final).

With ``pretrain_iters`` > 0 the gain-cell models (linear and the chain) first train a softmax GPT
of the same size for that many iterations and start from its weights (``val_loss_pretrained``),
standing in for the pretrained GPT-2 the paper starts from. A softmax model (``softmax-gpt``,
``softmax-swa-gpt``) trains ``pretrain_iters`` + ``iters`` iterations in one run, so every rung of a
ladder sees the same number of updates.

A non-finite loss raises :class:`suite.errors.Diverged`.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from implementations.gaincell_attention.adaptation import adapt
from implementations.gaincell_attention.gpt import GPT, n_params
from suite.data import get_dataset
from suite.errors import Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

TRAINING_DEFAULTS: dict[str, Any] = {
    "pretrain_iters": 0,  # gain-cell models: first train a softmax GPT this long and start from it (softmax: + iters)
    "iters": 150,
    "finetune_iters": 100,
    "batch_size": 16,
    "lr": 1e-3,
    "finetune_lr": None,  # None: lr
    "weight_decay": 0.1,
    "eval_batches": 8,
    "eval_batch_size": 16,
    "adapt": True,
    "adapt_batch_size": 16,
    "block_size": 128,
}
DATA_KEYS = ("max_chars", "max_eval_chars")
CHAIN_MODELS = ("gaincell-gpt", "gaincell-gpt2-xl")


def _split(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    train = {**TRAINING_DEFAULTS, **{k: params[k] for k in TRAINING_DEFAULTS if k in params}}
    data = {k: params[k] for k in DATA_KEYS if k in params}
    model = {k: v for k, v in params.items() if k not in TRAINING_DEFAULTS and k not in DATA_KEYS}
    return train, data, model


def _windows(
    stream: np.ndarray, starts: np.ndarray, block: int, device: str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    idx = starts[:, None] + np.arange(block + 1)[None, :]
    w = torch.from_numpy(np.asarray(stream[idx], dtype=np.int64)).to(device)
    return w[:, :-1].contiguous(), w[:, 1:].contiguous()


def _loss(model: GPT, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@torch.no_grad()
def evaluate(model: GPT, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Mean cross-entropy (nats) over fixed batches."""
    was = model.training
    model.eval()
    losses = [float(_loss(model, x, y)) for x, y in batches]
    model.train(was)
    return float(np.mean(losses))


@torch.no_grad()
def kl_to(model: GPT, ref: GPT, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Mean per-token KL(p_ref || p_model) in nats: how far ``model``'s predictions are from ``ref``'s."""
    was, was_ref = model.training, ref.training
    model.eval()
    ref.eval()
    kls = []
    for x, _ in batches:
        lp_ref = F.log_softmax(ref(x), -1)
        lp = F.log_softmax(model(x), -1)
        kls.append(float((lp_ref.exp() * (lp_ref - lp)).sum(-1).mean()))
    model.train(was)
    ref.train(was_ref)
    return float(np.mean(kls))


def train(
    model: GPT,
    stream: np.ndarray,
    *,
    iters: int,
    batch_size: int,
    block: int,
    lr: float,
    wd: float,
    rng: np.random.Generator,
    device: str = "cpu",
) -> list[float]:
    """AdamW on random windows; returns the training-loss curve. Diverged on a non-finite loss."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95)
    )
    model.train()
    curve = []
    for it in range(iters):
        x, y = _windows(stream, rng.integers(0, len(stream) - block - 1, size=batch_size), block, device)
        loss = _loss(model, x, y)
        if not torch.isfinite(loss):
            raise Diverged(f"training loss is {float(loss)} at iteration {it}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        curve.append(float(loss.detach()))
    return curve


def _record_eval(m: Measurements, prefix: str, val: float, test: float | None = None) -> None:
    m.set(f"val_loss{prefix}", val, reason="non-finite validation loss")
    m.set(f"perplexity{prefix}", math.exp(val) if math.isfinite(val) else None, reason="non-finite validation loss")
    if test is not None:
        m.set(f"test_loss{prefix}", test, reason="non-finite test loss")


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Train and evaluate one GPT variant (or the gain-cell chain) on a character/token stream."""
    ctx.seed_everything()
    tp, dp, mp = _split(ctx.params)
    gaincell = model.name in CHAIN_MODELS or model.name == "linear-gaincell-gpt"
    if gaincell != (ctx.emulator == "gaincell"):
        raise ValueError(
            f"model '{model.name}' runs on emulator '{'gaincell' if gaincell else 'ideal'}', not '{ctx.emulator}'"
        )
    device = "cuda" if torch.cuda.is_available() and spec.resources.gpus > 0 else "cpu"
    ds = get_dataset_for(task, ctx)
    train_x, _ = ds.arrays(ctx.data_root, "train", {"max_chars": dp.get("max_chars")})
    val_x, _ = ds.arrays(ctx.data_root, "val", {"max_chars": dp.get("max_eval_chars")})
    test_x, _ = ds.arrays(ctx.data_root, "test", {"max_chars": dp.get("max_eval_chars")})
    block = int(tp["block_size"])
    ev_rng = ctx.rng("eval")

    def fixed(stream: np.ndarray) -> list[tuple[torch.Tensor, torch.Tensor]]:
        starts = ev_rng.integers(0, len(stream) - block - 1, size=(tp["eval_batches"], tp["eval_batch_size"]))
        return [_windows(stream, s, block, device) for s in starts]

    val_b, test_b = fixed(val_x), fixed(test_x)
    factory = model.build()
    train_rng = ctx.rng("train")
    m = Measurements()
    t0 = time.perf_counter()
    chain = model.name in CHAIN_MODELS
    artifacts: dict[str, Any] = {}
    if chain:
        from implementations.gaincell_attention.gpt import build_linear

        net = build_linear(vocab_size=ds.n_classes, block_size=block, **mp).to(device)
        net.set_scaler_flags(track_targets=True)
    else:
        net = factory(vocab_size=ds.n_classes, block_size=block, **mp).to(device)
    if gaincell and int(tp["pretrain_iters"]) > 0:
        # the paper starts from a pretrained softmax GPT-2; offline, a softmax GPT trained here stands in for it
        from implementations.gaincell_attention.gpt import build_softmax

        base = build_softmax(vocab_size=ds.n_classes, block_size=block, **mp).to(device)
        pre = train(
            base,
            train_x,
            iters=int(tp["pretrain_iters"]),
            batch_size=int(tp["batch_size"]),
            block=block,
            lr=float(tp["lr"]),
            wd=float(tp["weight_decay"]),
            rng=train_rng,
            device=device,
        )
        artifacts["pretrain_curve"] = pre[:: max(1, len(pre) // 50)]
        _record_eval(m, "_pretrained", evaluate(base, val_b))
        missing, unexpected = net.load_state_dict(base.state_dict(), strict=False)
        if unexpected or any(".scalers." not in k for k in missing):
            raise RuntimeError(f"softmax -> gain-cell weight transfer mismatch: {missing=} {unexpected=}")
    m.set("params", n_params(net))
    # softmax models: the pretraining is simply more training of the same model (same update count as the chain)
    iters = int(tp["iters"]) + (0 if gaincell else int(tp["pretrain_iters"]))
    curve = train(
        net,
        train_x,
        iters=iters,
        batch_size=int(tp["batch_size"]),
        block=block,
        lr=float(tp["lr"]),
        wd=float(tp["weight_decay"]),
        rng=train_rng,
        device=device,
    )
    artifacts["train_curve"] = curve[:: max(1, len(curve) // 50)]
    if chain:
        net.set_scaler_flags(track_targets=False)
        _record_eval(m, "_linear", evaluate(net, val_b))
        nl = factory(vocab_size=ds.n_classes, block_size=block, **mp).to(device)
        nl.load_state_dict(copy.deepcopy(net.state_dict()))
        lin_ref, net = net, nl
        _record_eval(m, "_no_adaptation", evaluate(net, val_b))
        m.set("kl_to_linear_no_adaptation", kl_to(net, lin_ref, val_b))
        if tp["adapt"]:
            starts = train_rng.integers(0, len(train_x) - block - 1, size=int(tp["adapt_batch_size"]))
            xb, _ = _windows(train_x, starts, block, device)
            res = adapt(net, xb)
            m.set("adaptation_iterations", res.iterations)
            m.set("adaptation_converged", float(res.converged))
            m.set("adaptation_std_error_before", res.std_error_before)
            m.set("adaptation_std_error_after", res.std_error_after)
            m.set("adaptation_mean_error_before", res.mean_error_before)
            m.set("adaptation_mean_error_after", res.mean_error_after)
            artifacts["adaptation_curve"] = res.curve
            _record_eval(m, "_adapted", evaluate(net, val_b))
            m.set("kl_to_linear_adapted", kl_to(net, lin_ref, val_b))
        else:
            for k in ("adaptation_iterations", "val_loss_adapted", "kl_to_linear_adapted"):
                m.set(k, None, reason="adaptation disabled (adapt: false)")
        ft = int(tp["finetune_iters"])
        ft_curve = train(
            net,
            train_x,
            iters=ft,
            batch_size=int(tp["batch_size"]),
            block=block,
            lr=float(tp["finetune_lr"] or tp["lr"]),
            wd=float(tp["weight_decay"]),
            rng=train_rng,
            device=device,
        )
        artifacts["finetune_curve"] = ft_curve[:: max(1, len(ft_curve) // 50)]
    m.set("train_seconds", time.perf_counter() - t0)
    t1 = time.perf_counter()
    _record_eval(m, "", evaluate(net, val_b), evaluate(net, test_b))
    m.set(
        "test_perplexity",
        math.exp(m.metrics["test_loss"]) if math.isfinite(m.metrics["test_loss"]) else None,
        reason="non-finite test loss",
    )
    m.set("eval_seconds", time.perf_counter() - t1)
    artifacts["attention"] = net.cfg.attention
    artifacts["window"] = net.cfg.effective_window
    artifacts["device"] = device
    m.artifacts.update(artifacts)
    return m


def get_dataset_for(task: Task, ctx: RunContext):
    """The task's dataset from the registry (built from the entry points, like the runner's)."""
    from suite.registry import build_registry

    if not task.dataset:
        raise ValueError(f"task '{task.name}' names no dataset")
    return get_dataset(build_registry(), task.dataset)
