"""P01 models at paper configuration (parameter counts of card §5), plugin scales, and learning at smoke scale."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import pytest
import torch

from implementations.baselines import classification
from implementations.baselines.plugin import PLUGIN as BASELINES
from implementations.silif.models import build_cadlif, build_csilif, build_rf, build_s4d, build_silif
from implementations.silif.plugin import PLUGIN
from suite.metrics.static import state_bytes
from suite.protocol import ModelInfo, RunContext, Task
from suite.spec import BenchmarkSpec


def n_trainable(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def weights_only(net: torch.nn.Module) -> int:
    return sum(p.numel() for n, p in net.named_parameters() if n.endswith("W.weight"))


@pytest.mark.parametrize(
    ("build", "sizes", "want"),
    [
        (build_silif, (140, 512, 35), 359_017),  # = the SSC 4 ms checkpoint (card P01-8, verified)
        (build_csilif, (140, 512, 20), 350_268),
        (build_csilif, (140, 128, 20), 38_460),  # card-derived; README says 38.7k (within 1 %)
        (build_silif, (40, 512, 35), 307_817),
        (build_silif, (40, 1024, 35), 1_139_817),
    ],
)
def test_parameter_counts_at_paper_configuration(build, sizes, want):
    n_in, hidden, n_cls = sizes
    net = build(n_in, n_cls, hidden=hidden)
    assert n_trainable(net) == want


def test_silif_checkpoint_split_and_readme_counts():
    net = build_silif(140, 35, hidden=512)
    assert weights_only(net) == 351_744  # card P01-8: weights alone
    # the README's rounded figures: 0.35M (P01-2..5), 38.7k (P01-1), 0.3M and 1.1M (P01-6, P01-7)
    assert abs(n_trainable(build_csilif(140, 20, hidden=128)) - 38_700) / 38_700 < 0.01
    assert abs(n_trainable(build_csilif(140, 20, hidden=512)) - 350_000) / 350_000 < 0.01
    assert abs(n_trainable(build_silif(40, 35, hidden=1024)) - 1_100_000) / 1_100_000 < 0.04


def test_state_bytes_of_the_networks():
    # per hidden neuron 12 bytes (u, w, s or complex u, s); readout: u and the running sum per class
    assert state_bytes(build_silif(140, 35, hidden=512)) == 2 * 512 * 12 + 2 * 35 * 4
    assert state_bytes(build_csilif(140, 20, hidden=512)) == 2 * 512 * 12 + 2 * 20 * 4


def test_weight_initialisation_follows_the_card():
    torch.manual_seed(0)
    bound = math.sqrt(6 / (140 + 512))  # Xavier-uniform for SiLIF and CadLIF
    for build in (build_silif, build_cadlif):
        w = build(140, 35, hidden=512).hidden[0].W.weight.detach()
        assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.95 * bound
    w = build_csilif(140, 20, hidden=512).hidden[0].W.weight.detach()  # PyTorch default: U(±1/√fan_in)
    assert float(w.abs().max()) <= 1 / math.sqrt(140) and float(w.abs().max()) > 0.95 / math.sqrt(140)


@pytest.mark.parametrize(
    "build",
    [build_silif, build_csilif, build_cadlif, build_rf, partial(build_rf, input_form="euler"), build_s4d],
    ids=["silif", "csilif", "cadlif", "rf", "rf-euler", "s4d"],
)
def test_forward_gives_softmax_sums(build):
    net = build(140, 20, hidden=8)
    out = net(torch.rand(2, 15, 140) * 2)
    assert out.shape == (2, 20)
    assert out.sum(dim=1).tolist() == pytest.approx([15.0, 15.0], rel=1e-5)


def test_every_scale_used_by_p01_claims_is_defined():
    from importlib import resources

    import yaml

    claims = yaml.safe_load(resources.files("implementations.silif").joinpath("claims.yaml").read_text())["claims"]
    for c in claims:
        if c["model"] in PLUGIN["models"]:
            assert c["scale"] in PLUGIN["models"][c["model"]]["scales"], c["id"]


def _run_classification(model_name: str, tmp_path: Path, **params):
    from suite.data.shd import SHD

    SHD.synthesize(tmp_path / "data", seed=0, n_train=240, n_test=80)
    t, m = BASELINES["tasks"]["shd"], PLUGIN["models"][model_name]
    task = Task("shd", t["protocol"], t["dataset"], scales=t["scales"])
    model = ModelInfo(model_name, m["target"], protocols=tuple(m["protocols"]))
    merged = {**t["scales"]["smoke"], **m["scales"]["smoke"], "max_samples": None, "max_test_samples": None, **params}
    spec = BenchmarkSpec("shd", model_name, seed=13, params=params)
    ctx = RunContext(seed=13, params=merged, data_root=tmp_path / "data", scratch_parent=tmp_path / "scratch")
    return classification.run(task, model, spec, ctx)


@pytest.mark.parametrize(("model_name", "params"), [("silif", {"epochs": 12, "lr": 0.03}), ("csilif", {"epochs": 10})])
def test_silif_and_csilif_learn_synthetic_shd_far_above_chance(model_name, params, tmp_path):
    out = _run_classification(model_name, tmp_path, **params)
    loss = out.artifacts["train_loss"]
    assert all(math.isfinite(v) for v in loss) and loss[-1] < loss[0]  # card §6 gate: finite and decreasing
    assert out.metrics["accuracy"] > 0.05 + 0.4  # chance is 1/20; measured 0.74 (silif), 0.89 (csilif)
    assert 0 < out.metrics["activation_sparsity"] < 1
    assert out.metrics["state_bytes"] == 2 * 32 * 12 + 2 * 20 * 4


def test_rf_euler_is_build_rf_with_the_card_form_at_every_scale():
    euler, rf = PLUGIN["models"]["rf-euler"], PLUGIN["models"]["rf"]
    assert euler["target"] == rf["target"] == "implementations.silif.models:build_rf"
    assert set(euler["scales"]) == set(rf["scales"])
    assert all(scale["input_form"] == "euler" for scale in euler["scales"].values())
    assert all("input_form" not in scale for scale in rf["scales"].values())  # build_rf's default: unscaled
