"""``digits-ci-jitter``: the nuisance generator, and the property that makes it the smoke task on
which TMCL and SSL-only can be told apart (README): pixel-space / untrained-network kNN is far from
saturated, and SSL with the matching augmentations learns a clearly better representation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from implementations.tmcl.digits_ci import CLASS_ORDER as DIGITS_ORDER
from implementations.tmcl.digits_ci import DIGITS_CI
from implementations.tmcl.evaluation import knn_predict
from implementations.tmcl.model import build
from implementations.tmcl.plugin import PLUGIN
from implementations.tmcl.protocol import DEFAULTS, _Trainer
from suite.data.digits_jitter import CLASS_ORDER, DIGITS_CI_JITTER, add_nuisance

JITTER = PLUGIN["tasks"]["digits-ci-jitter"]["scales"]["smoke-1pct"]


def test_add_nuisance_hand_values():
    rng = np.random.default_rng(0)
    img = np.zeros((500, 8, 8))
    img[:, 0, 0] = 1.0
    out = add_nuisance(img, rng, max_offset=1, contrast=(0.3, 1.0), brightness=(0.0, 0.7), noise=0.0)
    assert out.shape == (500, 1, 10, 10) and out.dtype == np.float32
    flat = out[:, 0].reshape(500, -1)
    background = np.median(flat, axis=1)  # b: every pixel but one
    peak = flat.max(axis=1)
    # the one bright pixel is a * 1 + b, at offset (dy, dx) in {0, 1, 2}^2
    a = peak - background
    assert 0.3 <= a.min() < 0.33 and 0.97 < a.max() <= 1.0
    assert 0.0 <= background.min() < 0.03 and 0.67 < background.max() <= 0.7
    rows, cols = np.divmod(flat.argmax(axis=1), 10)
    assert set(rows.tolist()) == {0, 1, 2} and set(cols.tolist()) == {0, 1, 2}
    noisy = add_nuisance(np.zeros((200, 8, 8)), rng, max_offset=0, contrast=(1, 1), brightness=(0, 0), noise=0.1)
    assert float(noisy.std()) == pytest.approx(0.1, rel=0.05)


def test_dataset_shapes_split_and_class_order():
    x, y = DIGITS_CI_JITTER.arrays(Path("."), "train", {})
    xt, yt = DIGITS_CI_JITTER.arrays(Path("."), "test", {})
    assert x.shape == (1437, 1, 10, 10) and xt.shape == (360, 1, 10, 10)
    # the same images and split as digits-ci, only with nuisance added
    assert np.array_equal(y, DIGITS_CI.arrays(Path("."), "train", {})[1])
    assert CLASS_ORDER == DIGITS_ORDER
    again, _ = DIGITS_CI_JITTER.arrays(Path("."), "train", {})
    assert np.array_equal(x, again)  # the nuisance is drawn from a fixed seed
    assert "jitter-v1(offset<=1" in DIGITS_CI_JITTER.version(Path("."))


def _knn_acc(ftr, ytr, fte, yte) -> float:
    return float((knn_predict(ftr, torch.as_tensor(ytr), fte, 10).numpy() == yte).mean())


def _pixels(z: np.ndarray, standardise: bool = False) -> torch.Tensor:
    f = torch.as_tensor(z).flatten(1)
    if standardise:  # per image: removes exactly the contrast / brightness nuisance
        f = (f - f.mean(1, keepdim=True)) / f.std(1, keepdim=True)
    return f


def test_nuisance_hides_class_structure_that_invariance_recovers():
    """Pixel kNN is saturated on plain digits but not here; removing the per-image contrast and
    brightness (what the task's intensity-jitter augmentation teaches invariance to) gives back
    much of it: there is class structure for a representation to learn. Measured: 0.975 on
    digits-ci, 0.703 raw and 0.850 standardised here."""
    accs = {}
    for name, ds in (("digits-ci", DIGITS_CI), ("jitter", DIGITS_CI_JITTER)):
        x, y = ds.arrays(Path("."), "train", {})
        xt, yt = ds.arrays(Path("."), "test", {})
        accs[name] = _knn_acc(_pixels(x), y, _pixels(xt), yt)
        if name == "jitter":
            accs["jitter-standardised"] = _knn_acc(_pixels(x, True), y, _pixels(xt, True), yt)
    assert accs["digits-ci"] > 0.95
    assert accs["jitter"] < 0.75
    assert accs["jitter-standardised"] > accs["jitter"] + 0.1


def test_untrained_network_is_far_below_saturation():
    """The task's MLP at initialisation (the ``knn_accuracy_untrained`` metric): kNN ~0.59 here
    against ~0.96 on digits-ci."""
    torch.set_num_threads(1)
    accs = {}
    for name, ds in (("digits-ci", DIGITS_CI), ("jitter", DIGITS_CI_JITTER)):
        x, y = ds.arrays(Path("."), "train", {})
        xt, yt = ds.arrays(Path("."), "test", {})
        torch.manual_seed(0)
        tr = _Trainer(build(x.shape[1:], 10, arch="mlp", method="vi"), torch.as_tensor(x), y, dict(DEFAULTS), seed=0)
        accs[name] = _knn_acc(tr.features(tr.x), y, tr.features(torch.as_tensor(xt)), yt)
    assert accs["digits-ci"] > 0.95
    assert accs["jitter"] < 0.7


def test_the_task_augmentations_span_the_data_nuisance():
    """Two views of one image differ by about as much nuisance as two images do: the same offset
    range, a brightness difference of up to the data's range, a contrast ratio close to it."""
    ds = DIGITS_CI_JITTER
    assert JITTER["max_shift"] == ds.max_offset == 1
    assert 2 * JITTER["brightness"] == pytest.approx(ds.brightness[1] - ds.brightness[0])
    view_ratio = (1 + JITTER["contrast"]) / (1 - JITTER["contrast"])
    assert view_ratio >= 0.9 * ds.contrast[1] / ds.contrast[0]
    assert JITTER["label_fraction"] == 0.01


def test_long_scales_follow_the_card_epoch_ratio():
    """``*-long``: only Stage B changes, to card §3's 250 : 50 : 200 ratio of pre-training to Stage A to B."""
    scales = PLUGIN["tasks"]["digits-ci-jitter"]["scales"]
    for base, long in (("smoke-1pct", "smoke-1pct-long"), ("val-1pct", "val-1pct-long")):
        short, longer = scales[base], scales[long]
        assert {k: v for k, v in longer.items() if k != "cons_epochs"} == {
            k: v for k, v in short.items() if k != "cons_epochs"
        }
        assert longer["cons_epochs"] == 4 * short["cons_epochs"]
        assert longer["pretrain_epochs"] / longer["cons_epochs"] == pytest.approx(250 / 200)
        for model in ("tmcl", "vi", "supervised"):
            assert long in PLUGIN["models"][model]["scales"]
