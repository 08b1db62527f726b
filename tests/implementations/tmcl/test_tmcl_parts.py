"""TMCL parts: modulations, losses, augmentations, evaluation, Stage A isolation, parameter counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from implementations.tmcl.augment import augment, intensity_jitter, random_shift
from implementations.tmcl.evaluation import forgetting, knn_predict, linear_probe
from implementations.tmcl.losses import BARLOW_LAMBDA, BARLOW_SCALE, distill_barlow, multiview_barlow, task_loss
from implementations.tmcl.model import build
from implementations.tmcl.modulation import ModulatedLinear, ModulationParams, TaskModulation, modulate
from implementations.tmcl.protocol import DEFAULTS, _Trainer, frozen_running_stats, labelled_subset, validation_split


def test_modulate_hand_computed():
    h = torch.tensor([[1.0, -2.0]])
    out = modulate(h, ModulationParams(torch.tensor([[0.5, -1.0]]), torch.tensor([[0.1, 0.2]])))
    torch.testing.assert_close(out, torch.tensor([[1.6, 0.2]]))  # (1 + g) h + b


def test_zero_modulation_is_identity_exactly():
    torch.manual_seed(0)
    lin = ModulatedLinear(5, 4, n_classes=3)
    x = torch.randn(6, 5)
    none = torch.full((6,), 3)
    assert torch.equal(lin(x, none), lin(x))  # virtual index n_classes: g = b = 0
    with torch.no_grad():
        lin.modulation.gain.zero_()
        lin.modulation.bias.zero_()
    assert torch.equal(lin(x, torch.tensor([0, 1, 2, 0, 1, 2])), lin(x))
    # init N(0, 0.02^2): a large module's empirical std is close to 0.02
    mod = TaskModulation(100, 1000)
    assert mod.gain.std().item() == pytest.approx(0.02, rel=0.02)
    assert "zero" not in dict(mod.named_parameters())


def test_modulation_changes_only_selected_rows():
    torch.manual_seed(0)
    net = build((1, 8, 8), 10, arch="mlp")
    net.eval()
    x = torch.randn(4, 1, 8, 8)
    out = net.backbone(x, torch.full((4,), 2))
    out.sum().backward()
    g = net.backbone.fc1.modulation.gain.grad
    assert g[2].abs().sum() > 0
    assert g[torch.arange(10) != 2].abs().sum() == 0


def _barlow_reference(views, lam, scale):
    z = torch.stack(views)
    v, b, d = z.shape
    flat = z.reshape(-1, d)
    z = (z - flat.mean(0)) / flat.std(0, unbiased=False)
    zbar = z.mean(0)
    total = 0.0
    for k in range(v):
        for i in range(d):
            for j in range(d):
                cij = float((zbar[:, i] * z[k, :, j]).sum() / b)
                total += (cij - 1) ** 2 if i == j else lam * cij**2
    return scale * total


def test_multiview_barlow_matches_elementwise_definition():
    torch.manual_seed(0)
    views = [torch.randn(16, 5, dtype=torch.float64) for _ in range(4)]
    got = multiview_barlow(views)
    assert float(got) == pytest.approx(_barlow_reference(views, BARLOW_LAMBDA, BARLOW_SCALE), rel=1e-4)
    assert BARLOW_LAMBDA == 0.005 and BARLOW_SCALE == 0.024
    # identical, decorrelated views: C_v = I, so the loss is ~0
    q, _ = torch.linalg.qr(torch.randn(64, 5, dtype=torch.float64))
    q = (q - q.mean(0)) / q.std(0, unbiased=False)
    assert float(multiview_barlow([q, q, q])) < 0.02


def test_multiview_barlow_gradient_matches_finite_differences():
    torch.manual_seed(1)
    views = [torch.randn(8, 3, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    assert torch.autograd.gradcheck(lambda a, b: multiview_barlow([a, b]), views, eps=1e-6, atol=1e-5)


def _distill_reference(pred, frozen, lam, scale):
    """The repo's GhoshBarlowLoss on (pred, frozen), element by element."""
    zs = [(z - z.mean(0)) / (z.var(0, unbiased=False) + 1e-5).sqrt() for z in (pred, frozen)]
    b, d = pred.shape
    zbar = (zs[0] + zs[1]) / 2
    inv = sum((float((zs[v][:, i] * zbar[:, i]).sum()) / b - 1) ** 2 for v in range(2) for i in range(d)) / 2
    off = sum(float((zbar[:, i] * zbar[:, j]).sum() / b) ** 2 for i in range(d) for j in range(d) if i != j)
    return scale * (inv + lam * off)


def test_distill_barlow_matches_elementwise_definition_and_stops_gradient():
    torch.manual_seed(2)
    pred = torch.randn(16, 5, dtype=torch.float64, requires_grad=True)
    frozen = torch.randn(16, 5, dtype=torch.float64, requires_grad=True)
    got = distill_barlow(pred, frozen)
    assert float(got.detach()) == pytest.approx(
        _distill_reference(pred.detach(), frozen.detach(), 0.005, 0.024), rel=1e-6
    )
    got.backward()
    assert frozen.grad is None and float(pred.grad.abs().sum()) > 0  # only the current network learns
    # a prediction equal to decorrelated frozen projections: on-diagonal terms 1, K = I: loss ~0
    # (the QR of centred columns gives centred orthonormal columns)
    a = torch.randn(64, 5, dtype=torch.float64)
    q, _ = torch.linalg.qr(a - a.mean(0))
    assert float(distill_barlow(q, q)) < 1e-6
    # uncorrelated prediction: each on-diagonal term is ~1/2, so the loss is ~scale * D * 2 * (1/2)^2 / 2
    far = distill_barlow(torch.randn(4096, 5, dtype=torch.float64), torch.randn(4096, 5, dtype=torch.float64))
    assert float(far) == pytest.approx(0.024 * 5 * 0.25, rel=0.05)
    p = torch.randn(8, 3, dtype=torch.float64, requires_grad=True)
    f = torch.randn(8, 3, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a: distill_barlow(a, f), (p,), eps=1e-6, atol=1e-5)


def test_task_loss_hand_computed():
    e = torch.eye(3)
    # positives identical, negatives orthogonal to them: loss 0
    assert float(task_loss(e[[0, 0]] * torch.tensor([[1.0], [2.0]]), e[[1, 2]])) == pytest.approx(0.0, abs=1e-6)
    # positives orthogonal to each other, a negative at 45 degrees to both: 1 + cos(45)
    pos = e[[0, 1]]
    neg = torch.tensor([[1.0, 1.0, 0.0]])
    assert float(task_loss(pos, neg)) == pytest.approx(1 + 1 / math.sqrt(2), abs=1e-6)
    with pytest.raises(ValueError):
        task_loss(pos[:1], neg)


def test_augmentations():
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(1, 1, 4, 4)
    x[0, 0, 1, 1] = 1.0
    shifted = random_shift(x.repeat(50, 1, 1, 1), 1, g)
    # the single bright pixel moves by at most one pixel in each direction and is never lost
    assert torch.all(shifted.sum(dim=(1, 2, 3)) == 1.0)
    pos = shifted[:, 0].flatten(1).argmax(1)
    rows, cols = pos // 4, pos % 4
    assert rows.min() >= 0 and rows.max() <= 2 and cols.min() >= 0 and cols.max() <= 2
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 3
    v = augment(torch.full((200, 1, 8, 8), 0.5), g, max_shift=0, noise=0.1, erase_p=0.0)
    assert float((v - 0.5).std()) == pytest.approx(0.1, rel=0.05)
    erased = augment(torch.ones(200, 1, 8, 8), g, max_shift=0, noise=0.0, erase_p=1.0)
    assert torch.all((erased == 0).flatten(1).any(1))
    # intensity jitter: a x + b per image, a in [1 - 0.5, 1 + 0.5], b in [-0.3, 0.3]
    x2 = torch.zeros(400, 1, 2, 2)
    x2[:, :, 0, 0] = 1.0
    j = intensity_jitter(x2, 0.5, 0.3, g)
    b = j[:, 0, 1, 1]
    a = j[:, 0, 0, 0] - b
    assert torch.all(j[:, 0, 0, 1] == b) and torch.all(j[:, 0, 1, 0] == b)
    assert 0.5 <= float(a.min()) < 0.55 and 1.45 < float(a.max()) <= 1.5
    assert -0.3 <= float(b.min()) < -0.27 and 0.27 < float(b.max()) <= 0.3
    # without jitter no random numbers are drawn for it: the views of earlier runs are unchanged
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    base = torch.rand(4, 1, 8, 8)
    plain = augment(base, g1, max_shift=1, noise=0.1, erase_p=0.5)
    assert torch.equal(plain, augment(base, g2, max_shift=1, noise=0.1, erase_p=0.5, contrast=0.0, brightness=0.0))


def test_knn_and_probe_and_forgetting():
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    ytr = torch.tensor([0, 0, 1, 1])
    test = torch.tensor([[1.0, 0.2], [0.2, 1.0]])
    assert knn_predict(train, ytr, test, 2, k=3).tolist() == [0, 1]
    g = torch.Generator().manual_seed(0)
    rng = torch.Generator().manual_seed(1)
    xtr = torch.randn(200, 4, generator=rng) + torch.tensor([2.0, 0, 0, 0]) * (torch.arange(200) % 2)[:, None]
    pred = linear_probe(xtr, torch.arange(200) % 2, xtr, 2, epochs=10, generator=g)
    assert float((pred == torch.arange(200) % 2).float().mean()) > 0.8  # chance 0.5
    acc = [[0.9, np.nan, np.nan], [0.7, 0.8, np.nan], [0.6, 0.5, 1.0]]
    assert forgetting(acc) == pytest.approx(((0.9 - 0.6) + (0.8 - 0.5)) / 2)
    assert math.isnan(forgetting([[1.0]]))


def test_modulation_target_information_separates_label_information_from_features():
    from implementations.tmcl.evaluation import modulation_target_information

    g = torch.Generator().manual_seed(0)
    y = np.arange(400) % 4
    # features: weak class structure under strong noise
    f = torch.randn(400, 16, generator=g) + 0.4 * torch.nn.functional.one_hot(torch.as_tensor(y), 16).double().float()
    # a target that is a rotation of the features carries nothing new: same cosines, same kNN
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    rot = modulation_target_information(f, (f.double() @ q).float(), y, seed=0)
    assert rot["knn_gain"] == 0.0
    assert abs(rot["label_r2_gain"]) < 0.01
    assert 0.25 < rot["knn_features"] < 0.9  # above chance 0.25, far from perfect
    # a target that adds the label itself: it separates the classes perfectly, and the label explains
    # the part of it that the features cannot: nearly all of the one-hot block's share of the
    # variance (4 x 9 x 3/16 = 6.75 of ~22.9), less the little the weak features already predict
    lab = torch.cat([f, 3.0 * torch.nn.functional.one_hot(torch.as_tensor(y), 4).float()], dim=1)
    full = modulation_target_information(f, lab, y, seed=0)
    assert full["knn_expected_target"] == 1.0
    assert full["knn_gain"] == pytest.approx(1.0 - full["knn_features"])
    share = float(lab[:, 16:].var(0, unbiased=False).sum() / lab.var(0, unbiased=False).sum())
    assert share == pytest.approx(0.295, abs=0.01)
    assert 0.8 * share < full["label_r2_gain"] < share + 0.01  # share: on all rows; the gain: held-out half


def test_validation_split_is_stratified_disjoint_and_fixed():
    y = np.repeat(np.arange(3), [100, 50, 10])
    tr, va = validation_split(y, 0.2)
    assert np.bincount(y[va]).tolist() == [20, 10, 2]
    assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == len(y)
    tr2, va2 = validation_split(y, 0.2)
    assert np.array_equal(va, va2) and np.array_equal(tr, tr2)
    with pytest.raises(ValueError, match="validation_fraction"):
        validation_split(y, 1.0)


def test_labelled_subset_is_stratified():
    y = np.repeat(np.arange(3), [100, 50, 10])
    idx = labelled_subset(y, 0.1, 2, np.random.default_rng(0))
    assert np.bincount(y[idx]).tolist() == [10, 5, 2]
    assert len(set(idx)) == len(idx)


def test_stage_a_trains_only_the_new_class_modulation():
    torch.manual_seed(0)
    net = build((1, 8, 8), 10, arch="mlp")
    net.train()
    net.backbone(torch.randn(32, 1, 8, 8))  # move BN running stats away from their init
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(40, 1, 8, 8)
    y = np.repeat(np.arange(2), 20)
    tr = _Trainer(net, x, y, {**DEFAULTS, "task_steps": 3, "task_batch": 8}, seed=0)
    tr.learn_task(1, np.arange(20, 40), np.arange(20))
    after = net.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {f"backbone.{n}.modulation.{w}" for n in ("fc1", "fc2") for w in ("gain", "bias")}
    for n in ("fc1", "fc2"):
        for w in ("gain", "bias"):
            key = f"backbone.{n}.modulation.{w}"
            diff = (after[key] - before[key]).abs().sum(1)
            assert diff[1] > 0 and diff[torch.arange(10) != 1].sum() == 0


def test_stage_b_leaves_modulations_and_uses_no_grad_targets():
    torch.manual_seed(0)
    net = build((1, 8, 8), 10, arch="mlp")
    mods = [q.detach().clone() for q in net.modulation_parameters()]
    x = torch.rand(64, 1, 8, 8)
    tr = _Trainer(net, x, np.zeros(64, dtype=int), {**DEFAULTS, "batch_size": 32}, seed=0)
    losses = tr.consolidate(np.arange(64), 1, [0, 1], with_mi=True)
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    for a, b in zip(mods, net.modulation_parameters(), strict=True):
        assert torch.equal(a, b)


def test_cassle_distils_onto_a_frozen_copy_of_the_previous_network():
    torch.manual_seed(0)
    net = build((1, 8, 8), 10, arch="mlp", method="cassle")
    assert build((1, 8, 8), 10, arch="mlp", method="vi").distill_predictor is None
    x = torch.rand(64, 1, 8, 8)
    p = {**DEFAULTS, "batch_size": 32}
    twin = build((1, 8, 8), 10, arch="mlp", method="cassle")
    twin.load_state_dict(net.state_dict())
    tr = _Trainer(net, x, np.zeros(64, dtype=int), p, seed=0)
    teacher = tr.frozen_copy()
    assert not any(m.training for t in teacher for m in t.modules())
    snap = [{k: v.clone() for k, v in t.state_dict().items()} for t in teacher]
    head0 = [q.detach().clone() for q in net.distill_predictor.parameters()]
    with_d = tr.consolidate(np.arange(64), 1, [], with_mi=False, distill=teacher)
    without = _Trainer(twin, x, np.zeros(64, dtype=int), p, seed=0).consolidate(np.arange(64), 1, [], with_mi=False)
    # the teacher (weights and BN statistics) does not move; the distillation predictor does
    for t, sd in zip(teacher, snap, strict=True):
        assert all(torch.equal(v, t.state_dict()[k]) for k, v in sd.items())
    assert any(not torch.equal(a, b) for a, b in zip(head0, net.distill_predictor.parameters(), strict=True))
    # same views (the teacher draws no random numbers), so the first loss differs by the distillation term
    assert with_d[0] > without[0] + 1e-3
    assert all(q.grad is None or float(q.grad.abs().sum()) == 0 for t in teacher for q in t.parameters())


def test_stage_b_modulated_targets_leave_bn_running_stats_alone():
    """The evaluation features are unmodulated and normalised with the backbone's BN running
    statistics, so the modulated target passes of L_MI must not update them: with the learning
    rate at 0 (weights fixed) a Stage B step with L_MI leaves exactly the running statistics of a
    step without it. (Before the fix 3 of every 7 updates came from modulated activations.)"""
    torch.manual_seed(0)
    net = build((1, 8, 8), 10, arch="mlp")
    with torch.no_grad():  # strong modulations, so that a leak would be large
        for q in net.modulation_parameters():
            q.normal_(0.0, 1.0)
    x = torch.rand(32, 1, 8, 8)
    p = {**DEFAULTS, "batch_size": 32, "lr": 0.0, "min_lr": 0.0}
    stats = {}
    for with_mi in (False, True):
        trial = build((1, 8, 8), 10, arch="mlp")
        trial.load_state_dict(net.state_dict())
        _Trainer(trial, x, np.zeros(32, dtype=int), p, seed=0).consolidate(np.arange(32), 1, [0, 1, 2], with_mi)
        stats[with_mi] = {k: v.clone() for k, v in trial.backbone.state_dict().items() if "running" in k}
    assert stats[False].keys() == stats[True].keys() and len(stats[True]) == 4
    for k in stats[False]:
        torch.testing.assert_close(stats[True][k], stats[False][k], rtol=0, atol=0)
    # and the unmodulated passes did move them (from the init mean 0 / var 1)
    assert float(stats[True]["bn2.running_var"].sub(1).abs().max()) > 1e-3


def test_frozen_running_stats_restores_buffers_and_keeps_batch_statistics():
    bn = torch.nn.BatchNorm1d(3)
    bn.train()
    before = {k: v.clone() for k, v in bn.named_buffers()}
    x = torch.randn(16, 3) * 5 + 2
    with frozen_running_stats(bn):
        out = bn(x)
    torch.testing.assert_close(out.mean(0), torch.zeros(3), atol=1e-5, rtol=0)  # batch statistics used
    for k, v in bn.named_buffers():
        assert torch.equal(v, before[k]), k


def test_paper_scale_vit_parameter_count():
    net = build((3, 32, 32), 100, arch="vit", head_width=2048)
    dim, depth, mlp = 384, 6, 4 * 384
    block = (dim * 3 * dim + 3 * dim) + (dim * dim + dim) + (dim * mlp + mlp) + (mlp * dim + dim) + 2 * 2 * dim
    embed = 3 * 16 * dim + dim + dim + 65 * dim
    expected = depth * block + embed + 2 * dim
    got = sum(q.numel() for q in net.feedforward_parameters())
    assert got == expected
    assert 10.5e6 < got < 11.0e6  # convit_small_dytox: ~11.0M (the stand-in has no GPSA extras)
    per_class = sum(q[0].numel() for q in net.modulation_parameters())
    assert per_class == depth * 2 * (3 * dim + dim + mlp + dim)


def test_cifar_reader_refuses_a_pickle_that_would_run_code(tmp_path):
    import os
    import pickle

    import pytest

    from suite.data.cifar import _load_pickle
    from suite.errors import DataError

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    bad = tmp_path / "train"
    bad.write_bytes(pickle.dumps({"data": Evil()}))
    with pytest.raises(DataError, match="refusing to load"):
        _load_pickle(bad, "how")
    assert not (tmp_path / "pwned").exists()
