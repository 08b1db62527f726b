"""GC-VSA tasks: path integration, decoding, the what-where-when memory, family trees, protocols."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from implementations.gcvsa import protocol as P
from implementations.gcvsa.decode import decode_position
from implementations.gcvsa.family_tree import (
    RELATIONS,
    build_memories,
    grandparents,
    load_family_tree,
    query,
    relation_queries,
)
from implementations.gcvsa.grid_code import encode_position, make_grid_code
from implementations.gcvsa.path_integration import (
    PathState,
    dead_reckoning,
    integrate,
    matched_position_noise,
    ou_trajectory,
    path_step,
)
from suite.protocol import ModelInfo, RunContext

MODEL = ModelInfo("gcvsa", "implementations.gcvsa.grid_code:build", "numpy")
PATH = {"n_scales": 3, "n_orientations": 2, "lambda0": 0.3, "ratio": 1.42, "m": 8}
K128 = {"n_scales": 8, "n_orientations": 16, "lambda0": 0.1, "ratio": 1.42, "m": 8}


def _ctx(tmp_path: Path, params: dict, seed: int = 0) -> RunContext:
    return RunContext(seed=seed, params=params, data_root=tmp_path, scratch_parent=tmp_path)


def test_decode_is_exact_without_noise():
    code = make_grid_code(**PATH)
    x = np.random.default_rng(0).uniform(0, 1, size=(20, 2))
    np.testing.assert_allclose(decode_position(encode_position(x, code), code), x, atol=1e-9)


def test_path_step_hand_computed():
    code = make_grid_code(**PATH)
    s = PathState(encode_position(np.array([[0.2, 0.3]]), code))
    s = path_step(s, np.array([[0.01, -0.02]]), np.zeros((1, 6, 3)), code)
    np.testing.assert_allclose(s.z, encode_position(np.array([[0.21, 0.28]]), code), atol=1e-12)


def test_trajectory_stays_in_box_and_is_smooth():
    x = ou_trajectory(np.random.default_rng(0), 2000)
    assert x.min() >= 0 and x.max() <= 1
    step = np.linalg.norm(np.diff(x, axis=0), axis=1)
    assert step.max() < 0.05  # < 2.5 m/s at dt = 20 ms
    assert 0.001 < step.mean() < 0.01


def test_noisy_integration_beats_matched_dead_reckoning():
    code = make_grid_code(**PATH)
    rng = np.random.default_rng(0)
    traj = np.stack([ou_trajectory(rng, 300) for _ in range(6)])
    z = integrate(traj, code, 0.02, np.random.default_rng(1))
    est = decode_position(z.reshape(-1, 6, 3), code).reshape(traj.shape)
    rmse = np.sqrt(((est - traj) ** 2).sum(-1).mean())
    dr = dead_reckoning(traj, matched_position_noise(0.02, code), np.random.default_rng(2))
    rmse_dr = np.sqrt(((dr - traj) ** 2).sum(-1).mean())
    assert rmse < 0.7 * rmse_dr
    # the dead reckoning error is a random walk: expected RMSE over time ~ sigma_x sqrt(2 T / 2)
    sx = matched_position_noise(0.02, code)
    assert sx == pytest.approx(0.02 * 0.3 / (2 * np.pi))
    assert 0.6 < rmse_dr / (sx * np.sqrt(300)) < 1.2


def test_path_integration_protocol_gates(tmp_path):
    m = P.run_path_integration(None, MODEL, None, _ctx(tmp_path, {**PATH, "n_trajectories": 2, "n_steps": 200}))
    assert m.metrics["position_rmse_noiseless"] < 0.01  # card gate: < 1 cm
    assert m.metrics["position_rmse"] < m.metrics["dead_reckoning_rmse"]
    curve = m.artifacts["rmse_vs_time"]["0.01"]
    assert len(curve["t_s"]) == len(curve["gcvsa"]) == len(curve["dead_reckoning"])
    with pytest.raises(ValueError, match="unknown GC-VSA params"):
        P.run_path_integration(None, MODEL, None, _ctx(tmp_path, {**PATH, "n_stepz": 3}))


def test_what_where_when_gate(tmp_path):
    m = P.run_what_where_when(None, MODEL, None, _ctx(tmp_path, {**K128, "n_scenes": 2}))
    assert m.metrics["where_accuracy"] >= 0.9  # card gate
    assert m.metrics["what_accuracy"] >= 0.9 and m.metrics["when_accuracy"] >= 0.9


def test_memory_degrades_with_load_at_small_dimension(tmp_path):
    params = {**K128, "n_orientations": 1, "n_scales": 4, "n_scenes": 2, "n_items": 40}
    m = P.run_what_where_when(None, MODEL, None, _ctx(tmp_path, params))
    assert m.metrics["what_accuracy"] < 0.8  # 40 items in 12 phasors cannot all be recalled


def test_family_tree_data():
    tree = load_family_tree()
    assert len(tree.people) == 24
    idx = {p: i for i, p in enumerate(tree.people)}
    q = relation_queries(tree)
    assert q[(idx["Colin"], "aunt")] == {idx["Jennifer"], idx["Margaret"]}
    assert q[(idx["Victoria"], "husband")] == {idx["James"]}
    assert q[(idx["Arthur-B"], "sister")] == {idx["Victoria-B"]}
    assert grandparents(tree)[idx["Charlotte"]] == {idx[p] for p in ("Christopher", "Penelope", "Andrew", "Christine")}
    assert {r for _, r, _ in tree.triples} == set(RELATIONS)
    assert len(tree.triples) == 112 and len(q) == 104


def test_family_tree_queries_and_dimension(tmp_path):
    tree = load_family_tree()
    mem = build_memories(tree, 128, np.random.default_rng(0))
    idx = {p: i for i, p in enumerate(tree.people)}
    assert query(mem, mem.memories["uncle"], idx["Colin"]) == {idx["Arthur"], idx["Charles"]}
    m = P.run_family_tree(None, MODEL, None, _ctx(tmp_path, {**K128, "n_draws": 1, "modules_sweep": [8, 128]}))
    assert m.metrics["query_accuracy"] >= 0.95  # card gate
    assert m.metrics["composition_accuracy"] >= 0.9
    assert m.metrics["analogy_accuracy"] == 1.0
    small, large = m.artifacts["accuracy_vs_dimension"]
    assert small["query_accuracy"] < 0.5 < large["query_accuracy"]


def test_grid_code_protocol(tmp_path):
    m = P.run_grid_code(None, MODEL, None, _ctx(tmp_path, {**PATH, "n_gridness_neurons": 2, "resolution": 80}))
    assert m.metrics["gridness_score"] > 0.8
    assert m.metrics["binding_max_abs_error"] < 1e-6
    assert m.metrics["scale_ratio"] == pytest.approx(1.42)
    assert np.array(m.artifacts["rate_map"]).shape == (80, 80)


def test_paper_plan_expands_with_card_sizes():
    from implementations.gcvsa.grid_code import build
    from suite.registry import build_registry
    from suite.spec import load_plan, merged_params

    repo = Path(__file__).resolve().parents[3]
    reg = build_registry(repo)
    plan = load_plan(repo / "plans" / "p03-gcvsa-paper.yaml", reg)
    assert len(plan.specs) == 1 + 4 * 10
    sizes = {}
    for s in plan.specs:
        p = merged_params(s, reg)
        code = build(**{k: p[k] for k in P.MODEL_KEYS})
        sizes[(s.task, code.n_modules)] = code.n_neurons
        if s.task == "path-integration":
            assert (p["n_trajectories"], p["n_steps"], p["sigmas"]) == (100, 1000, [0.0, 0.01, 0.05, 0.1])
    assert sizes[("path-integration", 24)] == 24 * 16**3
    assert sizes[("path-integration", 96)] == 96 * 16**3
    assert sizes[("what-where-when", 128)] == 128 * 8**3
    smoke = load_plan(repo / "plans" / "p03-gcvsa-smoke.yaml", reg)
    assert {s.task for s in smoke.specs} == {"grid-code", "path-integration", "what-where-when", "family-tree"}
