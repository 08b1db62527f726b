"""The ``continual`` protocol: class-incremental sessions with sparse labels (card P02 §3, §6).

Procedure (one seed):

1. Load the task's dataset (images ``[N, C, H, W]``); cut the dataset's frozen class order into
   ``n_sessions`` equal groups; pick a stratified labelled subset of ``label_fraction`` of each
   class's training images (at least ``min_labels_per_class``, default 2: Stage A needs two
   positives), the only labels any method sees.
2. Session 0 starts with SSL pre-training (``pretrain_epochs``, multi-view Barlow on the session's
   unlabelled images; every method gets it, so they share the starting point).
3. Every session, by ``net.method``:
   * ``tmcl``: **Stage A** for each new class ``c``: ``backbone.eval()`` (BN frozen), only
     ``m(c)`` trains (``task_steps`` AdamW steps, lr ``task_lr`` cosine to ``task_min_lr``; batches
     of ``task_batch`` augmented positives of ``c`` and as many negatives from the *other classes
     of the current session*; :func:`implementations.tmcl.losses.task_loss`); then **Stage B**
     (``cons_epochs`` over all of the session's training images, unlabelled, ``views`` views):
     ``L = L_SSL + L_MI`` with the modulated views under ``no_grad`` and without updating the
     backbone's BatchNorm running statistics (:func:`frozen_running_stats`: the evaluation
     features are unmodulated, so their normalisation must not absorb modulated activations).
     After Stage A and before Stage B, a probe measures what ``L_MI`` can transfer in this session
     (``mi_probe_samples`` of the session's training images, 0 = off; evaluation mode, no training
     generator drawn from, so training is unchanged):
     :func:`implementations.tmcl.evaluation.modulation_target_information` of the unmodulated
     features and the expected target ``E_c[h(f_{m_c}(x))]`` over the seen classes;
   * ``vi``: Stage B with ``L_SSL`` only;
   * ``cassle`` (the repo's ``vi_si``): Stage B with ``L_SSL`` plus, from session 1 on, the
     CaSSLe-style distillation (:func:`implementations.tmcl.losses.distill_barlow`) of every view's
     projection, through a predictor, onto a frozen copy of the previous session's backbone and
     projector; no labels;
   * ``supervised``: cross-entropy fine-tuning of backbone + linear classifier on the session's
     labelled images (as many steps as Stage B takes).
   No replay: only the current session's images are used.
4. After every session: kNN (k = ``knn_k``, T = ``knn_temperature``) and a linear probe on
   unmodulated features (``backbone.eval()``); the bank / probe training set is the training
   images of all classes seen so far with their labels (the evaluation protocol, as in the
   repo), the test set their test images. Forgetting is computed on kNN per class group. A suite
   addition, ``knn_labelled_accuracy``: the same kNN with only the *labelled* training images of
   the seen classes in the bank (what a learner that kept only its labels could do).
   ``knn_accuracy_untrained``: the same kNN over all classes with the network at initialisation
   (how much the raw input already gives). With ``validation_fraction > 0`` (tuning runs) a fixed
   stratified part of the training split is held out and evaluated instead of the test split.

Stage B optimiser (card §3): AdamW, lr ``lr * batch_size / 256``, weight decay 1e-4, gradient
clip 3.0, cosine to ``min_lr`` restarted every session (no warm-up at smoke scale: ``warmup_epochs``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from suite.errors import DataError, Diverged
from suite.protocol import Measurements, ModelInfo, RunContext, Task

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "label_fraction": 0.1,
    "min_labels_per_class": 2,
    "n_sessions": 5,
    "views": 4,
    "pretrain_epochs": 5,
    "cons_epochs": 5,
    "batch_size": 64,
    "lr": 1e-3,
    "min_lr": 1e-6,
    "warmup_epochs": 0,
    "weight_decay": 1e-4,
    "grad_clip": 3.0,
    "task_steps": 30,
    "task_batch": 32,
    "task_lr": 0.01,
    "task_min_lr": 1e-5,
    "task_weight_decay": 0.04,
    "lam_neg": 1.0,
    "sup_lr": 1e-3,
    "knn_k": 20,
    "knn_temperature": 0.07,
    "probe_epochs": 100,
    "probe_batch": 128,
    "probe_lr": 0.1,
    "max_train_samples": None,
    "max_test_samples": None,
    "max_shift": 1,
    "noise": 0.1,
    "erase_p": 0.5,
    "hflip": False,
    "contrast": 0.0,
    "brightness": 0.0,
    "validation_fraction": 0.0,
    "max_loss": 1e6,
    "mi_probe_samples": 512,
}
MODEL_KEYS = {"arch", "hidden", "features", "head_width", "patch", "dim", "depth", "heads"}


def split_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(training, model)`` keys; an unknown key raises ``ValueError``."""
    unknown = sorted(set(params) - set(DEFAULTS) - MODEL_KEYS)
    if unknown:
        raise ValueError(
            f"unknown continual params {unknown}; training keys: {sorted(DEFAULTS)}; model keys: {sorted(MODEL_KEYS)}"
        )
    return {**DEFAULTS, **{k: v for k, v in params.items() if k in DEFAULTS}}, {
        k: v for k, v in params.items() if k in MODEL_KEYS
    }


def labelled_subset(y: np.ndarray, fraction: float, minimum: int, rng: np.random.Generator) -> np.ndarray:
    """Stratified labelled indices: ``max(minimum, round(fraction * n_c))`` per class (capped at n_c)."""
    out = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        n = min(len(idx), max(int(minimum), int(round(fraction * len(idx)))))
        out.append(rng.choice(idx, size=n, replace=False))
    return np.sort(np.concatenate(out))


@contextmanager
def frozen_running_stats(module: Any) -> Iterator[None]:
    """Run ``module`` (in train mode) without changing the running statistics of its BatchNorm layers.

    The running means and variances (and ``num_batches_tracked``) are put back on exit by
    re-binding the saved copies (not copying in place: autograd may hold the updated tensors).
    """
    import torch

    norms = [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    saved = [{k: v.clone() for k, v in m.named_buffers(recurse=False)} for m in norms]
    try:
        yield
    finally:
        for m, buffers in zip(norms, saved, strict=True):
            for k, v in buffers.items():
                setattr(m, k, v)  # a registered buffer: re-bound in ``m._buffers``


def validation_split(y: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Stratified ``(train, validation)`` indices: ``round(fraction * n_c)`` of each class held out.

    The split is fixed (generator seed 0), the same for every run seed and method, so that tuning
    compares methods on the same held-out images; the test split is never touched.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(0)
    val = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        val.append(rng.choice(idx, size=max(1, int(round(fraction * len(idx)))), replace=False))
    va = np.sort(np.concatenate(val))
    return np.setdiff1d(np.arange(len(y)), va), va


def _cosine(step: int, total: int, lr: float, min_lr: float, warmup: int = 0) -> float:
    if step < warmup:
        return lr * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * min(1.0, t)))


class _Trainer:
    """The state of one continual run (network, data, generators) and its phases."""

    def __init__(self, net, x, y, p: Mapping[str, Any], seed: int, device: str = "cpu") -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.net, self.x, self.y, self.p = net.to(self.device), x, y, p
        self.gen = torch.Generator().manual_seed(seed)
        self.n_classes = net.backbone.n_classes
        self.no_mod = net.backbone.n_classes  # the virtual "no modulation" index

    def views(self, xb, n: int):
        from implementations.tmcl.augment import augment

        p = self.p
        return [
            augment(
                xb,
                self.gen,
                max_shift=int(p["max_shift"]),
                noise=float(p["noise"]),
                erase_p=float(p["erase_p"]),
                hflip=bool(p["hflip"]),
                contrast=float(p["contrast"]),
                brightness=float(p["brightness"]),
            ).to(self.device)
            for _ in range(n)
        ]

    def _check(self, loss, phase: str):
        v = float(loss.detach())
        if not math.isfinite(v) or v > float(self.p["max_loss"]):
            raise Diverged(f"{phase} loss is {v}")
        return v

    def _batches(self, idx: np.ndarray):
        torch = self.torch
        perm = torch.randperm(len(idx), generator=self.gen).numpy()
        bs = int(self.p["batch_size"])
        for lo in range(0, len(idx) - bs + 1 if len(idx) >= bs else 1, bs):
            yield self.x[torch.as_tensor(idx[perm[lo : lo + bs]])]

    def _ssl_optimizer(self, params, steps: int):
        torch = self.torch
        p = self.p
        lr = float(p["lr"]) * int(p["batch_size"]) / 256
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=float(p["weight_decay"]))
        return opt, lambda s: _cosine(s, steps, lr, float(p["min_lr"]), int(p["warmup_epochs"]))

    def _set_trainable(self, feedforward: bool, modulations: bool, heads: bool) -> None:
        net = self.net
        for q in net.feedforward_parameters():
            q.requires_grad_(feedforward)
        for q in net.modulation_parameters():
            q.requires_grad_(modulations)
        for m in (net.ssl_head, net.tmcl_head, net.predictor, net.classifier, net.distill_predictor):
            for q in m.parameters() if m is not None else ():
                q.requires_grad_(heads)

    def consolidate(
        self, idx: np.ndarray, epochs: int, seen: list[int], with_mi: bool, distill: tuple[Any, Any] | None = None
    ) -> list[float]:
        """Stage B (or pre-training with ``with_mi=False``): multi-view Barlow [+ modulation invariance]
        [+ CaSSLe distillation onto ``distill = (backbone, ssl_head)``, frozen copies from the end of
        the previous session: each view's projection, through ``distill_predictor``, is matched to the
        frozen network's projection of the same view, averaged over the views]."""
        from implementations.tmcl.losses import distill_barlow, multiview_barlow

        torch, net = self.torch, self.net
        self._set_trainable(True, False, True)
        net.train()
        heads = [net.ssl_head, net.tmcl_head, net.predictor]
        if distill is not None:
            heads.append(net.distill_predictor)
        params = net.feedforward_parameters() + [q for m in heads for q in m.parameters()]
        n_batches = max(1, len(idx) // int(self.p["batch_size"]))
        opt, sched = self._ssl_optimizer(params, epochs * n_batches)
        losses, step = [], 0
        for _ in range(epochs):
            for xb in self._batches(idx):
                for g in opt.param_groups:
                    g["lr"] = sched(step)
                vs = self.views(xb, int(self.p["views"]))
                feats = [net.backbone(v) for v in vs]
                projs = [net.ssl_head(f) for f in feats]
                loss = multiview_barlow(projs)
                if distill is not None:
                    old_backbone, old_head = distill
                    with torch.no_grad():
                        frozen = [old_head(old_backbone(v)) for v in vs]
                    pairs = zip(projs, frozen, strict=True)
                    loss = loss + sum(distill_barlow(net.distill_predictor(z), f) for z, f in pairs) / len(vs)
                if with_mi and seen:
                    # the modulated passes normalise with their own batch statistics (train mode, as
                    # in the repo) but must not move the backbone's BN running statistics: those are
                    # what the *unmodulated* evaluation features are normalised with
                    with torch.no_grad(), frozen_running_stats(net.backbone):
                        targets = []
                        for v in vs[1:]:
                            c = torch.as_tensor(seen)[torch.randint(len(seen), (v.shape[0],), generator=self.gen)]
                            targets.append(net.tmcl_head(net.backbone(v, c.to(self.device))))
                    loss = loss + multiview_barlow([net.predictor(net.tmcl_head(feats[0]))] + targets)
                losses.append(self._check(loss, "consolidation"))
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, float(self.p["grad_clip"]))
                opt.step()
                step += 1
        return losses

    def learn_task(self, c: int, pos: np.ndarray, neg: np.ndarray) -> list[float]:
        """Stage A for class ``c``: only ``m(c)`` trains, feed-forward frozen, BN in eval mode."""
        from implementations.tmcl.losses import task_loss

        torch, net, p = self.torch, self.net, self.p
        self._set_trainable(False, True, False)
        net.backbone.eval()
        mods = net.modulation_parameters()
        keep = [q.detach().clone() for q in mods]
        others = torch.ones(self.n_classes, dtype=torch.bool, device=self.device)
        others[c] = False
        opt = torch.optim.AdamW(mods, lr=float(p["task_lr"]), weight_decay=float(p["task_weight_decay"]))
        steps, nb = int(p["task_steps"]), int(p["task_batch"])
        task = torch.full((2 * nb,), c, dtype=torch.long, device=self.device)
        losses = []
        for s in range(steps):
            for g in opt.param_groups:
                g["lr"] = _cosine(s, steps, float(p["task_lr"]), float(p["task_min_lr"]))
            ip = torch.as_tensor(pos)[torch.randint(len(pos), (nb,), generator=self.gen)]
            ineg = torch.as_tensor(neg)[torch.randint(len(neg), (nb,), generator=self.gen)]
            xb = self.views(self.x[torch.cat([ip, ineg])], 1)[0]
            z = net.backbone(xb, task)
            loss = task_loss(z[:nb], z[nb:], float(p["lam_neg"]))
            losses.append(self._check(loss, "task-learning"))
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():  # AdamW's decay must not move other classes' rows
                for q, k in zip(mods, keep, strict=True):
                    q[others] = k[others]
        return losses

    def finetune(self, lab: np.ndarray, steps: int) -> list[float]:
        """Supervised baseline: cross-entropy on the session's labelled images, backbone + classifier."""
        torch, net, p = self.torch, self.net, self.p
        self._set_trainable(True, False, True)
        net.train()
        params = net.feedforward_parameters() + list(net.classifier.parameters())
        opt = torch.optim.AdamW(params, lr=float(p["sup_lr"]), weight_decay=float(p["weight_decay"]))
        bs = min(int(p["batch_size"]), max(2, len(lab)))
        losses = []
        for s in range(steps):
            for g in opt.param_groups:
                g["lr"] = _cosine(s, steps, float(p["sup_lr"]), float(p["min_lr"]))
            i = torch.as_tensor(lab)[torch.randint(len(lab), (bs,), generator=self.gen)]
            xb = self.views(self.x[i], 1)[0]
            target = torch.as_tensor(self.y[i.numpy()]).to(self.device)
            loss = torch.nn.functional.cross_entropy(net.classifier(net.backbone(xb)), target)
            losses.append(self._check(loss, "fine-tuning"))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, float(p["grad_clip"]))
            opt.step()
        return losses

    def expected_target(self, x, seen: list[int]) -> Any:
        """``E_c[h(f_{m_c}(x))]`` over the seen classes ``c``: what ``L_MI`` regresses on, on average.

        Evaluation mode (BatchNorm with its running statistics), so the result does not depend on
        how a batch mixes classes; no generator is drawn from, so training is unchanged.
        """
        torch, net = self.torch, self.net

        def mean_target(xb):
            tasks = [torch.full((len(xb),), c, dtype=torch.long, device=self.device) for c in seen]
            return torch.stack([net.tmcl_head(net.backbone(xb, t)) for t in tasks]).mean(0)

        return self._evaluate(x, mean_target)

    def frozen_copy(self) -> tuple[Any, Any]:
        """Copies of the backbone and SSL projector in evaluation mode, without gradients (CaSSLe's
        teacher, refreshed at the end of every session as in the repo's ``on_train_epoch_end``)."""
        import copy

        out = []
        for m in (self.net.backbone, self.net.ssl_head):
            c = copy.deepcopy(m).eval()
            for q in c.parameters():
                q.requires_grad_(False)
            out.append(c)
        return out[0], out[1]

    def features(self, x) -> Any:
        """Unmodulated backbone features (evaluation mode)."""
        return self._evaluate(x, self.net.backbone)

    def _evaluate(self, x, fn, chunk: int = 512) -> Any:
        """``fn`` over ``x`` in chunks, in evaluation mode and without gradients; on the CPU."""
        torch = self.torch
        self.net.eval()
        with torch.no_grad():
            return torch.cat([fn(x[i : i + chunk].to(self.device)).cpu() for i in range(0, len(x), chunk)])


def _device(ctx: RunContext, spec: Any) -> str:
    """``ctx.device``; "cuda" when the harness left it at "cpu" but the spec asked for a GPU and one exists.

    (The harness does not yet set ``ctx.device`` from the spec's resources; see the README.)
    """
    import torch

    gpus = getattr(getattr(spec, "resources", None), "gpus", 0) or 0
    if ctx.device == "cpu" and gpus > 0 and torch.cuda.is_available():
        return "cuda"
    return ctx.device


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Run the class-incremental protocol (module docstring) and return its measurements."""
    import torch

    from implementations.tmcl.evaluation import (
        forgetting,
        knn_predict,
        linear_probe,
        modulation_target_information,
    )
    from suite.data import get_dataset
    from suite.registry import build_registry

    p, model_kw = split_params(ctx.params)
    ctx.seed_everything()
    if not task.dataset:
        raise DataError(f"task '{task.name}' names no dataset")
    dataset = get_dataset(build_registry(), task.dataset)
    root = Path(ctx.data_root)
    xtr, ytr = dataset.arrays(root, "train", {})
    xte, yte = dataset.arrays(root, "test", {})
    if float(p["validation_fraction"]) > 0:
        # tuning runs: hold out part of the training split and evaluate on it instead of the test split
        tr_idx, va_idx = validation_split(ytr, float(p["validation_fraction"]))
        xtr, ytr, xte, yte = xtr[tr_idx], ytr[tr_idx], xtr[va_idx], ytr[va_idx]
    order = [int(c) for c in dataset.class_order]
    n_sessions = int(p["n_sessions"])
    if len(order) % n_sessions:
        raise ValueError(f"{len(order)} classes do not split into {n_sessions} equal sessions")
    per = len(order) // n_sessions
    sessions = [order[s * per : (s + 1) * per] for s in range(n_sessions)]
    rng = ctx.rng("subsample")
    for name, lim in (("train", p["max_train_samples"]), ("test", p["max_test_samples"])):
        if lim is not None:
            xs, ys = (xtr, ytr) if name == "train" else (xte, yte)
            keep = np.sort(rng.choice(len(ys), size=min(int(lim), len(ys)), replace=False))
            if name == "train":
                xtr, ytr = xs[keep], ys[keep]
            else:
                xte, yte = xs[keep], ys[keep]
    lab = labelled_subset(ytr, float(p["label_fraction"]), int(p["min_labels_per_class"]), ctx.rng("labels"))
    is_lab = np.zeros(len(ytr), dtype=bool)
    is_lab[lab] = True

    net = model.build()(tuple(xtr.shape[1:]), dataset.n_classes, **model_kw)
    trainer = _Trainer(net, torch.as_tensor(xtr), ytr, p, ctx.seed, _device(ctx, spec))
    xte_t = torch.as_tensor(xte)
    m = Measurements()
    m.set("params", sum(q.numel() for q in net.feedforward_parameters()))
    m.set("modulation_params_per_class", sum(q[0].numel() for q in net.modulation_parameters()))
    m.set("labelled_samples", int(is_lab.sum()))
    m.set("evaluated_on_validation", float(float(p["validation_fraction"]) > 0))
    # the same network before any training: how much of the final kNN the raw input already gives
    all_tr, all_te = trainer.features(trainer.x), trainer.features(xte_t)
    knn0 = knn_predict(
        all_tr, torch.as_tensor(ytr), all_te, dataset.n_classes, int(p["knn_k"]), float(p["knn_temperature"])
    )
    m.set("knn_accuracy_untrained", float(np.mean(knn0.numpy() == yte)))
    history, group_acc, losses = [], [], {"pretrain": [], "task": [], "consolidation": [], "finetune": []}
    seen: list[int] = []
    t_train = t_eval = t_probe = 0.0
    mi_probe: list[dict[str, float]] = []  # tmcl: what L_MI's targets hold, after each Stage A
    probe_rng = ctx.rng("mi-probe")
    frozen_copy = None  # cassle: (backbone, ssl_head) at the end of the previous session
    for s, classes in enumerate(sessions):
        t0 = time.perf_counter()
        sess = np.flatnonzero(np.isin(ytr, classes))
        if s == 0 and int(p["pretrain_epochs"]) > 0:
            losses["pretrain"] += trainer.consolidate(sess, int(p["pretrain_epochs"]), [], with_mi=False)
        n_steps = int(p["cons_epochs"]) * max(1, len(sess) // int(p["batch_size"]))
        if net.method == "tmcl":
            sess_lab = sess[is_lab[sess]]
            for c in classes:
                pos = sess_lab[ytr[sess_lab] == c]
                neg = sess_lab[ytr[sess_lab] != c]
                losses["task"] += trainer.learn_task(c, pos, neg)
            seen += classes
            if int(p["mi_probe_samples"]) > 0:
                t1 = time.perf_counter()
                probe = (
                    sess
                    if len(sess) <= int(p["mi_probe_samples"])
                    else np.sort(probe_rng.choice(sess, size=int(p["mi_probe_samples"]), replace=False))
                )
                xp = trainer.x[torch.as_tensor(probe)]
                mi_probe.append(
                    modulation_target_information(
                        trainer.features(xp),
                        trainer.expected_target(xp, seen),
                        ytr[probe],
                        k=int(p["knn_k"]),
                        temperature=float(p["knn_temperature"]),
                        seed=ctx.seed + s,
                    )
                )
                t_probe += time.perf_counter() - t1
            losses["consolidation"] += trainer.consolidate(sess, int(p["cons_epochs"]), seen, with_mi=True)
        elif net.method == "vi":
            seen += classes
            losses["consolidation"] += trainer.consolidate(sess, int(p["cons_epochs"]), seen, with_mi=False)
        elif net.method == "cassle":
            seen += classes
            losses["consolidation"] += trainer.consolidate(
                sess, int(p["cons_epochs"]), seen, with_mi=False, distill=frozen_copy
            )
            frozen_copy = trainer.frozen_copy()  # the teacher of the next session
        else:
            seen += classes
            losses["finetune"] += trainer.finetune(sess[is_lab[sess]], n_steps)
        t_train += time.perf_counter() - t0

        t0 = time.perf_counter()
        tr = np.flatnonzero(np.isin(ytr, seen))
        te = np.flatnonzero(np.isin(yte, seen))
        ftr, fte = trainer.features(trainer.x[torch.as_tensor(tr)]), trainer.features(xte_t[torch.as_tensor(te)])
        ytr_t, yte_s = torch.as_tensor(ytr[tr]), yte[te]
        knn = knn_predict(ftr, ytr_t, fte, dataset.n_classes, int(p["knn_k"]), float(p["knn_temperature"])).numpy()
        lin = linear_probe(
            ftr,
            ytr_t,
            fte,
            dataset.n_classes,
            epochs=int(p["probe_epochs"]),
            batch_size=int(p["probe_batch"]),
            lr=float(p["probe_lr"]),
            generator=torch.Generator().manual_seed(ctx.seed + s),
        ).numpy()
        trl = np.flatnonzero(np.isin(ytr, seen) & is_lab)
        knn_lab = knn_predict(
            trainer.features(trainer.x[torch.as_tensor(trl)]),
            torch.as_tensor(ytr[trl]),
            fte,
            dataset.n_classes,
            int(p["knn_k"]),
            float(p["knn_temperature"]),
        ).numpy()
        groups = [
            float(np.mean(knn[np.isin(yte_s, g)] == yte_s[np.isin(yte_s, g)])) if g[0] in seen else float("nan")
            for g in sessions
        ]
        group_acc.append(groups)
        history.append(
            {
                "session": s,
                "classes_seen": len(seen),
                "knn_accuracy": float(np.mean(knn == yte_s)),
                "linear_probe_accuracy": float(np.mean(lin == yte_s)),
                "knn_labelled_accuracy": float(np.mean(knn_lab == yte_s)),
                "knn_per_group": groups,
            }
        )
        t_eval += time.perf_counter() - t0
        log.info(
            "session %d (%s): kNN %.3f, linear %.3f",
            s,
            net.method,
            history[-1]["knn_accuracy"],
            history[-1]["linear_probe_accuracy"],
        )
        ctx.progress(s + 1, n_sessions)

    m.set("knn_accuracy", history[-1]["knn_accuracy"])
    m.set("linear_probe_accuracy", history[-1]["linear_probe_accuracy"])
    m.set("accuracy", history[-1]["knn_accuracy"])
    m.set("knn_labelled_accuracy", history[-1]["knn_labelled_accuracy"])
    m.set("knn_accuracy_avg", float(np.mean([h["knn_accuracy"] for h in history])))
    m.set("forgetting", forgetting(group_acc), "forgetting needs at least two sessions")
    if mi_probe:
        for key in ("knn_gain", "label_r2_gain"):
            m.set(f"mi_target_{key}", float(np.mean([d[key] for d in mi_probe])))
        m.artifacts["mi_probe"] = mi_probe
    m.set("train_seconds", t_train - t_probe)
    m.set("mi_probe_seconds", t_probe)
    m.set("eval_seconds", t_eval)
    m.artifacts["sessions"] = history
    m.artifacts["final_losses"] = {k: (v[-1] if v else None) for k, v in losses.items()}
    return m
