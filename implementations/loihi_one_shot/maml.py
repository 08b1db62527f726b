"""The ``maml-few-shot`` protocol of P10: MAML over N-way K-shot episodes with a plastic last layer.

Variants (card P10 §6), chosen by the model's ``rule``:
  * ``soel``: MAML whose inner loop is the SOEL three-factor rule (:mod:`.soel`) on the last layer;
  * ``sgd``: MAML with a (first-order) SGD inner loop on the last layer;
  * ``transfer``: pre-train on the meta-training classes, then fit a fresh (Xavier) last layer on
    the shot with SGD (the paper's transfer-learning baseline).

Meta-training is first-order (card §7: second-order through T steps is too heavy on CPU; labelled):
the inner update's dependence on the weights is detached, its dependence on the learning rate and the
error threshold kept, so the outer Adam meta-learns the initial weights, η and (``meta_learn_threshold``)
θ_err. With ``quantize`` the weights pass lava-dl's ``quantize_8bit`` in every forward pass and are
re-quantised after each inner step. Emulator ``loihi2`` implies ``quantize`` and deploys the adapted
network in fixed point (:mod:`.deploy`), reporting energy and latency per learning update from the
emulator's cost model; ``ideal`` runs float weights.

Params: episodes ``n_way`` 5, ``k_shot`` 1, ``n_query`` 10; ``meta_iterations``, ``meta_batch``,
``meta_lr`` (cosine-annealed Adam), ``inner_steps`` 5, ``inner_lr`` 1.0 (initial η), ``err_threshold``,
``meta_learn_threshold``, ``test_tasks``; transfer: ``pretrain_epochs``, ``pretrain_lr``, ``tl_steps``,
``tl_lr``; ``meta_init`` ``scratch`` (default) or ``pretrain`` (meta-training starts from the transfer
baseline's pre-trained backbone, which the baseline then shares); ``freeze_backbone`` meta-learns only the
plastic layer, η and θ_err; ``compare_transfer`` also runs the transfer baseline on the same test episodes and records
``one_shot_gain_vs_transfer``. Model params go to the factory; dataset params to the dataset.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from suite.errors import Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

log = logging.getLogger(__name__)

PROTOCOL_DEFAULTS: dict[str, Any] = {
    "n_way": 5,
    "k_shot": 1,
    "n_query": 10,
    "meta_iterations": 60,
    "meta_batch": 2,
    "meta_lr": 3e-3,
    "inner_steps": 5,
    "inner_lr": 1.0,
    "err_threshold": 0.05,
    "meta_learn_threshold": True,
    "learn_lr": True,
    "test_tasks": 20,
    "pretrain_epochs": 3,
    "pretrain_lr": 3e-3,
    "pretrain_batch": 32,
    "tl_steps": 5,
    "tl_lr": 1.0,
    "compare_transfer": False,
    "loihi_test_tasks": None,
    "meta_init": "scratch",
    "freeze_backbone": False,
}
MODEL_KEYS = ("hidden", "current_decay", "voltage_decay", "threshold", "w_scale", "input_gain")


def sample_episode(
    y: np.ndarray, classes: np.ndarray, n_way: int, k_shot: int, n_query: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices and episode labels (0..n_way−1) of the support and query sets of one episode."""
    chosen = rng.choice(classes, n_way, replace=False)
    s_idx, s_y, q_idx, q_y = [], [], [], []
    for k, c in enumerate(chosen):
        pool = np.flatnonzero(y == c)
        if len(pool) < k_shot + n_query:
            raise ValueError(f"class {c} has {len(pool)} samples; an episode needs {k_shot + n_query}")
        pick = rng.choice(pool, k_shot + n_query, replace=False)
        s_idx += list(pick[:k_shot])
        q_idx += list(pick[k_shot:])
        s_y += [k] * k_shot
        q_y += [k] * n_query
    return np.array(s_idx), np.array(s_y), np.array(q_idx), np.array(q_y)


def adapt(net: Any, feats: Any, y: Any, w0: Any, rule: str, lr: Any, thr: Any, steps: int) -> tuple[Any, int]:
    """Inner loop on the last layer: ``steps`` SOEL or SGD updates from ``w0``, re-quantised after each.

    Returns the adapted weights (differentiable w.r.t. w0, η, θ_err) and the number of error triggers.
    """
    import torch

    from implementations.emulators.loihi2 import quantize_8bit
    from implementations.loihi_one_shot.cuba import synaptic_trace
    from implementations.loihi_one_shot.mlp import scores
    from implementations.loihi_one_shot.soel import SoelParams, sgd_delta, soel_delta

    x_tilde = synaptic_trace(feats, net.cuba) if rule == "soel" else None
    w, triggers = w0, 0
    for _ in range(steps):
        s, u = net.head(feats, w)
        if rule == "soel":
            d, n = soel_delta(s, u, x_tilde, y, SoelParams(lr=lr, threshold=thr))
            triggers += int(n)
        else:
            d = sgd_delta(torch.nn.functional.cross_entropy(scores(s, u), y), w, lr)
        w = w + d
        if net.quantize:
            w = quantize_8bit(w, net.w_scale)
    return w, triggers


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    import torch

    from implementations.emulators.loihi2 import LOIHI2
    from implementations.loihi_one_shot.mlp import scores, xavier_head
    from suite.data import get_dataset
    from suite.metrics.static import param_count
    from suite.registry import build_registry

    if ctx.emulator not in ("ideal", "loihi2"):
        raise ValueError(f"protocol 'maml-few-shot' runs emulators ideal and loihi2, got '{ctx.emulator}'")
    rule = str(model.meta.get("rule", "soel"))
    p = {**PROTOCOL_DEFAULTS, **{k: v for k, v in ctx.params.items() if k in PROTOCOL_DEFAULTS}}
    dataset = get_dataset(build_registry(), task.dataset)
    data_params = {k: v for k, v in ctx.params.items() if k in dataset.param_names}
    hp = {k: ctx.params[k] for k in MODEL_KEYS if k in ctx.params}
    hp["quantize"] = ctx.emulator == "loihi2"
    ctx.seed_everything()
    torch.set_num_threads(ctx.threads)
    x_tr, y_tr = dataset.arrays(ctx.data_root, "meta-train", data_params)
    x_te, y_te = dataset.arrays(ctx.data_root, "meta-test", data_params)
    x_tr_t, x_te_t = torch.from_numpy(x_tr), torch.from_numpy(x_te)
    n_way, k_shot, n_query = int(p["n_way"]), int(p["k_shot"]), int(p["n_query"])
    factory = model.build()
    net = factory(x_tr.shape[-1], n_way, **hp)
    out = Measurements()
    out.set("params", param_count(net))
    rng_meta = ctx.rng("meta-train")
    t0 = time.perf_counter()

    log_lr = torch.tensor(math.log(float(p["inner_lr"])), requires_grad=bool(p["learn_lr"]))
    thr = torch.tensor(float(p["err_threshold"]), requires_grad=bool(p["meta_learn_threshold"]))
    curve: list[float] = []
    backbone = None
    if p["meta_init"] not in ("scratch", "pretrain"):
        raise ValueError(f"meta_init must be 'scratch' or 'pretrain', got {p['meta_init']!r}")
    if rule in ("soel", "sgd") and p["meta_init"] == "pretrain":
        # meta-training starts from the transfer baseline's pre-trained backbone (the head stays Xavier)
        pretrain(net, x_tr_t, y_tr, p)
        if p["compare_transfer"]:
            backbone = copy.deepcopy(net)  # the transfer baseline gets the identical pre-trained backbone
    if rule in ("soel", "sgd"):
        plastic = [t for t in (log_lr, thr) if t.requires_grad]
        frozen = bool(p["freeze_backbone"])
        meta_params = [net.out] if frozen else list(net.parameters())
        feats_tr = None
        if frozen:  # the SOEL `--do-train` setting: earlier layers frozen, only the plastic layer meta-learned
            with torch.no_grad():
                feats_tr = torch.cat([net.features(x_tr_t[i : i + 256]) for i in range(0, len(x_tr_t), 256)])
        opt = torch.optim.Adam(
            [{"params": meta_params}, {"params": plastic, "lr": float(p["meta_lr"]) * 10}],
            lr=float(p["meta_lr"]),
        )
        iters = int(p["meta_iterations"])
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, iters))
        classes = np.unique(y_tr)
        for it in range(iters):
            opt.zero_grad()
            total = 0.0
            for _ in range(int(p["meta_batch"])):
                si, sy, qi, qy = sample_episode(y_tr, classes, n_way, k_shot, n_query, rng_meta)
                if feats_tr is not None:
                    fs, fq = feats_tr[si], feats_tr[qi]
                else:
                    fs, fq = net.features(x_tr_t[si]), net.features(x_tr_t[qi])
                w, _ = adapt(net, fs, torch.from_numpy(sy), net.out, rule, log_lr.exp(), thr, int(p["inner_steps"]))
                loss = torch.nn.functional.cross_entropy(scores(*net.head(fq, w)), torch.from_numpy(qy)) / int(
                    p["meta_batch"]
                )
                loss.backward()
                total += float(loss.detach())
            if not math.isfinite(total):
                raise Diverged(f"meta-loss is {total} at iteration {it}")
            opt.step()
            sched.step()
            with torch.no_grad():
                thr.clamp_(min=0.0)
            curve.append(total)
            ctx.progress(it + 1, iters)
    out.set("meta_train_seconds", time.perf_counter() - t0)
    out.artifacts["meta_loss_curve"] = [round(v, 5) for v in curve]
    out.set("inner_lr", float(log_lr.detach().exp()))
    out.set("err_threshold", float(thr.detach()))

    if backbone is None and (rule == "transfer" or p["compare_transfer"]):
        backbone = pretrain(net if rule == "transfer" else factory(x_tr.shape[-1], n_way, **hp), x_tr_t, y_tr, p)

    def evaluate(kind: str, tasks: int, rng: np.random.Generator, deploy: bool = False) -> dict[str, Any]:
        from implementations.loihi_one_shot.deploy import Counts, deploy_episode

        accs, trig, learn, infer = [], 0, Counts(), Counts()
        classes = np.unique(y_te)
        n_support = 0
        # the transfer head's seeds come from their own stream, so every kind sees the same episodes
        head_rng = ctx.rng("transfer-head")
        for _ in range(tasks):
            si, sy, qi, qy = sample_episode(y_te, classes, n_way, k_shot, n_query, rng)
            ys, yq = torch.from_numpy(sy), torch.from_numpy(qy)
            if kind == "transfer":
                m = backbone
                w0 = xavier_head(
                    n_way, m.out.shape[1], generator=torch.Generator().manual_seed(int(head_rng.integers(2**31)))
                )
                w0.requires_grad_(True)
                r, lr_, thr_, steps = "sgd", torch.tensor(float(p["tl_lr"])), thr, int(p["tl_steps"])
            else:
                m, w0, r, lr_, thr_, steps = net, net.out, rule, log_lr.exp(), thr, int(p["inner_steps"])
            if deploy:
                acc, lc, ic = deploy_episode(
                    m,
                    w0.detach(),
                    (x_te_t[si], ys),
                    (x_te_t[qi], yq),
                    lr=float(lr_.detach()),
                    threshold=float(thr_.detach()),
                    inner_steps=steps,
                )
                for c, tot in ((lc, learn), (ic, infer)):
                    for f in vars(tot):
                        setattr(tot, f, getattr(tot, f) + getattr(c, f))
                accs.append(acc)
                n_support += len(si) * steps
                continue
            with torch.enable_grad():
                w, n = adapt(m, m.features(x_te_t[si]).detach(), ys, w0, r, lr_, thr_, steps)
            with torch.no_grad():
                s, u = m.head(m.features(x_te_t[qi]), w)
                accs.append(float((scores(s, u).argmax(-1) == yq).double().mean()))
            trig += n
        a = np.asarray(accs)
        return {
            "accs": a,
            "acc": a.mean(),
            "ci": 1.96 * a.std(ddof=1) / math.sqrt(len(a)) if len(a) > 1 else float("nan"),
            "triggers": trig,
            "learn": learn,
            "infer": infer,
            "n_support": n_support,
            "n_query": len(a) * n_way * n_query,
        }

    tasks = int(p["test_tasks"])
    main = evaluate("transfer" if rule == "transfer" else "meta", tasks, ctx.rng("meta-test"))
    out.set("float_one_shot_accuracy", main["acc"])
    out.set("one_shot_accuracy_ci95", main["ci"], "one test task")
    if rule == "soel":
        # error triggers per (support sample, inner step, time step, output neuron)
        denom = tasks * n_way * k_shot * int(p["inner_steps"]) * x_te.shape[1] * n_way
        out.set("soel_trigger_fraction", main["triggers"] / denom)
    if backbone is not None and rule != "transfer":
        tl = evaluate("transfer", tasks, ctx.rng("meta-test"))
        out.set("transfer_accuracy", tl["acc"])
        out.set("one_shot_gain_vs_transfer", main["acc"] - tl["acc"])
        out.set("one_shot_gain_vs_transfer_ci95", paired_ci95(main["accs"], tl["accs"]), "paired over test tasks")
    if ctx.emulator == "loihi2" and rule != "soel":
        # only the SOEL rule is mapped onto the emulated learning engine; SGD inner loops are not local rules
        out.set("one_shot_accuracy", main["acc"])
        out.artifacts["one_shot_accuracy_source"] = "float simulation with lava-dl 8-bit weights (no on-chip rule)"
        for name in ("energy_per_update_j", "latency_per_update_s", "energy_per_sample_j", "latency_per_sample_s"):
            out.set(name, None, f"rule '{rule}' has no on-chip (loihi2 learning engine) mapping; only SOEL is deployed")
    elif ctx.emulator == "loihi2":
        out.artifacts["one_shot_accuracy_source"] = "fixed-point deployment on the loihi2 emulator"
        n_deploy = int(p["loihi_test_tasks"] or tasks)
        dep = evaluate("meta", n_deploy, ctx.rng("meta-test"), deploy=True)
        out.set("one_shot_accuracy", dep["acc"])
        out.set("loihi2_minus_float_accuracy", dep["acc"] - main["acc"])
        if backbone is not None and n_deploy <= tasks:
            # deployed SOEL against transfer on the same (first n_deploy) episodes
            tl_d = tl["accs"][:n_deploy]
            out.set("transfer_accuracy_deployed_tasks", float(tl_d.mean()))
            out.set("deployed_gain_vs_transfer", dep["acc"] - float(tl_d.mean()))
            out.set("deployed_gain_vs_transfer_ci95", paired_ci95(dep["accs"], tl_d), "paired over test tasks")
        lc, ic = LOIHI2.costs(vars(dep["learn"])), LOIHI2.costs(vars(dep["infer"]))
        out.set("energy_per_update_j", lc["energy_j"] / dep["n_support"])
        out.set("latency_per_update_s", lc["latency_s"] / dep["n_support"])
        out.set("update_latency_s", lc["latency_s"] / dep["n_support"])
        out.set("energy_per_sample_j", ic["energy_j"] / dep["n_query"])
        out.set("latency_per_sample_s", ic["latency_s"] / dep["n_query"])
        steps = x_te.shape[1]
        out.set("dynamic_power_w", ic["energy_j"] / dep["n_query"] / (steps * 1e-3))
        out.set("accumulator_saturations", dep["learn"].accumulator_saturations)
        out.set("weight_saturations", dep["learn"].weight_saturations)
        out.artifacts["cost_model"] = LOIHI2.cost_model
    else:
        out.set("one_shot_accuracy", main["acc"])
        for name in ("energy_per_update_j", "latency_per_update_s", "energy_per_sample_j", "latency_per_sample_s"):
            out.set(name, None, "emulator 'ideal' has no cost model; run emulator loihi2")
    return out


def paired_ci95(a: np.ndarray, b: np.ndarray) -> float:
    """95 % half-width of the mean per-episode difference a − b (same episodes; normal approximation)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    return 1.96 * float(d.std(ddof=1)) / math.sqrt(len(d)) if len(d) > 1 else float("nan")


def pretrain(net: Any, x: Any, y: np.ndarray, p: Mapping[str, Any]) -> Any:
    """Transfer baseline backbone: train ``net``'s layers with a temporary head on all meta-train classes."""
    import torch

    from implementations.loihi_one_shot.mlp import scores

    classes = np.unique(y)
    labels = torch.from_numpy(np.searchsorted(classes, y))
    head = torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(len(classes), net.out.shape[1])))
    opt = torch.optim.Adam([*net.layers, head], lr=float(p["pretrain_lr"]))
    g = torch.Generator().manual_seed(0)
    bs = int(p["pretrain_batch"])
    for _ in range(int(p["pretrain_epochs"])):
        perm = torch.randperm(len(labels), generator=g)
        for i in range(0, len(perm), bs):
            idx = perm[i : i + bs]
            loss = torch.nn.functional.cross_entropy(scores(*net.head(net.features(x[idx]), head)), labels[idx])
            if not torch.isfinite(loss):
                raise Diverged(f"transfer pre-training loss is {float(loss)}")
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net
