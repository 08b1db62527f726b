"""The ``icl-few-shot`` protocol of P07: meta-train the plastic transformer on episodes, then classify
queries of new classes from the context alone, with float, quant and loihi2 attention.

Training (float, BPTT over episodes, card P07 §3): Adam, ``train_steps`` batches of ``batch`` episodes,
the shot count of each batch drawn from ``shots``. Then the quantisation scales are calibrated on a
meta-train batch (post-training quantisation) and ``test_episodes`` meta-test episodes per shot count
are classified with each variant. All static weights are frozen at test time; only the plastic
matrices change (they start at zero in every episode).

Metrics: ``query_accuracy_<variant>_<K>shot``; ``query_accuracy`` (variant = emulator: ideal -> float,
loihi2 -> loihi2; K = the first of ``shots``); ``loihi2_minus_float_accuracy``; ``quant_vs_loihi2_max_abs``
(0 when the emulator is bit-identical to the quant arithmetic); ``attention_max_error_lsb`` (first
block, quant vs float, in read LSBs); ``energy_per_sample_j`` / ``latency_per_sample_s`` per episode from
the loihi2 cost model, with the static layers counted as dense synaptic operations (approximate).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from suite.errors import Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

DEFAULTS: dict[str, Any] = {
    "n_way": 5,
    "shots": [1, 5],
    "train_steps": 300,
    "batch": 16,
    "lr": 2e-3,
    "test_episodes": 100,
    "margin": 0.05,
}
MODEL_KEYS = ("d_model", "heads", "layers", "encoder_hidden", "gamma", "normalize")


def episode_batch(
    x: np.ndarray, y: np.ndarray, n_way: int, k_shot: int, batch: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``batch`` episodes: context ``[B, N·K, C]`` (shuffled), labels ``[B, N·K]``, query ``[B, C]``, label ``[B]``."""
    classes = np.unique(y)
    by_class = {c: np.flatnonzero(y == c) for c in classes}
    xs, ys, xq, yq = [], [], [], []
    for _ in range(batch):
        chosen = rng.choice(classes, n_way, replace=False)
        ctx_idx, ctx_lab = [], []
        for j, c in enumerate(chosen):
            pick = rng.choice(by_class[c], k_shot + (1 if j == 0 else 0), replace=False)
            ctx_idx += list(pick[:k_shot])
            ctx_lab += [j] * k_shot
            if j == 0:
                q_idx = pick[k_shot]
        perm = rng.permutation(len(ctx_idx))
        target = int(rng.integers(n_way))  # relabel so the query class is uniform over 0..N−1
        relabel = np.roll(np.arange(n_way), target)
        xs.append(x[np.array(ctx_idx)[perm], 0])
        ys.append(relabel[np.array(ctx_lab)[perm]])
        xq.append(x[q_idx, 0])
        yq.append(relabel[0])
    return np.stack(xs), np.stack(ys), np.stack(xq), np.array(yq)


def static_counts(net: Any, n_tokens: int) -> dict[str, float]:
    """Dense synaptic operations and neuron updates of the static layers for one episode of ``n_tokens``."""
    import torch

    synops = neurons = 0.0
    for mod in net.modules():
        if isinstance(mod, torch.nn.Linear):
            synops += mod.in_features * mod.out_features * n_tokens
            neurons += mod.out_features * n_tokens
    return {"synops": synops, "neuron_updates": neurons}


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    import torch

    from implementations.emulators.loihi2 import LOIHI2
    from suite.data import get_dataset
    from suite.metrics.static import param_count
    from suite.registry import build_registry

    if ctx.emulator not in ("ideal", "loihi2"):
        raise ValueError(f"protocol 'icl-few-shot' runs emulators ideal and loihi2, got '{ctx.emulator}'")
    p = {**DEFAULTS, **{k: v for k, v in ctx.params.items() if k in DEFAULTS}}
    hp = {k: ctx.params[k] for k in MODEL_KEYS if k in ctx.params}
    dataset = get_dataset(build_registry(), task.dataset)
    dparams = {k: v for k, v in ctx.params.items() if k in dataset.param_names}
    ctx.seed_everything()
    torch.set_num_threads(ctx.threads)
    x_tr, y_tr = dataset.arrays(ctx.data_root, "meta-train", dparams)
    x_te, y_te = dataset.arrays(ctx.data_root, "meta-test", dparams)
    n_way, shots = int(p["n_way"]), [int(k) for k in p["shots"]]
    net = model.build()(x_tr.shape[-1], n_way, **hp)
    out = Measurements()
    out.set("params", param_count(net))
    opt = torch.optim.Adam(net.parameters(), lr=float(p["lr"]))
    rng = ctx.rng("train")
    steps = int(p["train_steps"])
    t0 = time.perf_counter()
    curve = []
    for step in range(steps):
        k = int(rng.choice(shots))
        xs, ys, xq, yq = (torch.from_numpy(a) for a in episode_batch(x_tr, y_tr, n_way, k, int(p["batch"]), rng))
        loss = torch.nn.functional.cross_entropy(net(xs, ys, xq), yq)
        if not torch.isfinite(loss):
            raise Diverged(f"loss is {float(loss)} at step {step}")
        opt.zero_grad()
        loss.backward()
        opt.step()
        curve.append(float(loss.detach()))
        ctx.progress(step + 1, steps)
    out.set("train_seconds", time.perf_counter() - t0)
    out.artifacts["loss_curve"] = [round(float(np.mean(curve[i : i + 10])), 4) for i in range(0, len(curve), 10)]

    net.eval()
    results: dict[tuple[str, int], float] = {}
    energy = latency = float("nan")
    cal = episode_batch(x_tr, y_tr, n_way, max(shots), 64, ctx.rng("calibrate"))
    with torch.no_grad():
        net.calibrate(*(torch.from_numpy(a) for a in cal[:3]))
        for k in shots:
            xs, ys, xq, yq = (
                torch.from_numpy(a)
                for a in episode_batch(x_te, y_te, n_way, k, int(p["test_episodes"]), ctx.rng(f"test{k}"))
            )
            logits = {}
            for mode in ("float", "quant", "loihi2"):
                counts: dict = {}
                logits[mode] = net(xs, ys, xq, mode=mode, counts=counts)
                results[(mode, k)] = float((logits[mode].argmax(-1) == yq).double().mean())
                out.set(f"query_accuracy_{mode}_{k}shot", results[(mode, k)])
                if mode == "loihi2" and k == shots[0]:
                    b = xs.shape[0]
                    total = static_counts(net, xs.shape[1] + 1)
                    c = {
                        "synops": total["synops"] + counts.get("synops", 0) / b,
                        "neuron_updates": total["neuron_updates"],
                        "synaptic_updates": counts.get("synaptic_updates", 0) / b,
                        "timesteps": xs.shape[1] + 1,
                    }
                    cost = LOIHI2.costs(c)
                    energy, latency = cost["energy_j"], cost["latency_s"]
                    out.set("plastic_updates_per_token", c["synaptic_updates"] / (xs.shape[1] + 1))
                    out.set("weight_saturations", counts.get("weight_saturations", 0))
                    out.set("accumulator_saturations", counts.get("accumulator_saturations", 0))
            if k == shots[0]:
                out.set("quant_vs_loihi2_max_abs", float((logits["quant"] - logits["loihi2"]).abs().max()))
                blk = net.blocks[0]
                q, kk, v = blk.qkv_heads(net.tokens(xs, ys, xq))
                from implementations.loihi_icl.plastic_attention import plastic_attention, quant_plastic_attention

                s = blk.scales
                unit = 2.0 ** (s.write_shift - s.e_k - s.e_v - s.e_q)
                err = (quant_plastic_attention(q, kk, v, s) - plastic_attention(q, kk, v, net.plastic)).abs().max()
                out.set("attention_max_error_lsb", float(err) / unit)
    primary = "loihi2" if ctx.emulator == "loihi2" else "float"
    out.set("query_accuracy", results[(primary, shots[0])])
    out.set("loihi2_minus_float_accuracy", results[("loihi2", shots[0])] - results[("float", shots[0])])
    out.set("margin", float(p["margin"]))
    out.set("energy_per_sample_j", energy, "no loihi2 pass")
    out.set("latency_per_sample_s", latency, "no loihi2 pass")
    out.artifacts["cost_model"] = LOIHI2.cost_model
    if not math.isfinite(results[("float", shots[0])]):
        raise Diverged("non-finite accuracy")
    return out
