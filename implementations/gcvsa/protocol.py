"""The GC-VSA protocols: grid code, path integration, what-where-when memory, family trees.

Every protocol builds the grid code from the model's factory with the model keys
(:data:`MODEL_KEYS`: ``n_scales``, ``n_orientations``, ``lambda0``, ``ratio``, ``m``) and reads its
own keys with the defaults listed in each function; an unknown key raises ``ValueError`` so that
a typo in a plan cannot silently change nothing. All data are synthetic, drawn from named
``ctx.rng`` streams (card P03 §4). Results are "GC-VSA (reference reconstruction)" (card §7).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from suite.protocol import Measurements, ModelInfo, RunContext, Task

log = logging.getLogger(__name__)

MODEL_KEYS = ("n_scales", "n_orientations", "lambda0", "ratio", "m")


def _split(params: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    model = {k: v for k, v in params.items() if k in MODEL_KEYS}
    unknown = sorted(set(params) - set(MODEL_KEYS) - set(defaults))
    if unknown:
        raise ValueError(f"unknown GC-VSA params {unknown}; known: {sorted(set(MODEL_KEYS) | set(defaults))}")
    return model, {**defaults, **{k: v for k, v in params.items() if k in defaults}}


def _code(model: ModelInfo, params: Mapping[str, Any]):
    return model.build()(**params)


def _model_metrics(m: Measurements, code) -> None:
    m.set("n_neurons", code.n_neurons)
    m.set("n_modules", code.n_modules)
    m.set("n_phasors", code.n_phasors)


# -- grid code --------------------------------------------------------------------------------

GRID_DEFAULTS = {"resolution": 120, "extent": 1.0, "neuron": [0, 0, 0], "module": 0, "n_gridness_neurons": 8}


def run_grid_code(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Claims P03-1, P03-2, P03-6: gridness of a cube neuron, the binding identity, cube identities.

    Metrics: ``gridness_score`` (mean over ``neuron`` and ``n_gridness_neurons - 1`` random other
    neurons of ``module``), ``gridness_min``,
    ``binding_max_abs_error`` (max |P(x) P(y) - P(x+y)| over 1000 random pairs),
    ``unbinding_max_abs_error``, ``cube_dot_max_rel_error`` (A.A' against (m^3/2) sum cos),
    ``phase_readback_max_error``, ``scale_ratio``. Artifact ``rate_map``: the neuron's map.
    """
    from implementations.gcvsa.cube import cube_phases, neuron_rate_map, render_cube
    from implementations.gcvsa.grid_code import encode_position
    from implementations.gcvsa.gridness import gridness_score
    from implementations.gcvsa.phasor import random_symbols, wrap

    mp, p = _split(ctx.params, GRID_DEFAULTS)
    code = _code(model, mp)
    rng = ctx.rng("grid-code")
    m = Measurements()
    _model_metrics(m, code)
    k = int(p["module"])
    res, extent = int(p["resolution"]), float(p["extent"])
    px = code.scales[k] / (extent / (res - 1))  # one period in pixels
    scores = []
    picks = [tuple(p["neuron"])] + [
        tuple(i) for i in rng.integers(0, code.m, size=(int(p["n_gridness_neurons"]) - 1, 3))
    ]
    for idx in picks:
        rm = neuron_rate_map(code.wavevectors[k], idx, code.m, extent, res)
        scores.append(gridness_score(rm, inner=0.5 * px, outer=1.6 * px))
    m.set("gridness_score", float(np.mean(scores)))
    m.set("gridness_min", float(np.min(scores)))
    rm = neuron_rate_map(code.wavevectors[k], tuple(p["neuron"]), code.m, extent, res)
    m.artifacts["rate_map"] = np.round(rm, 3).tolist()
    m.artifacts["rate_map_scale_m"] = float(code.scales[k])

    x, y = rng.uniform(-1, 1, size=(2, 1000, 2))
    px_, py_ = encode_position(x, code), encode_position(y, code)
    m.set("binding_max_abs_error", float(np.abs(px_ * py_ - encode_position(x + y, code)).max()))
    a, b = random_symbols(rng, 100, code.n_modules), random_symbols(rng, 100, code.n_modules)
    m.set("unbinding_max_abs_error", float(np.abs(a * b * np.conj(b) - a).max()))
    phi, phi2 = wrap(rng.uniform(-np.pi, np.pi, size=(2, 200, 3)))
    ca, cb = render_cube(phi, code.m), render_cube(phi2, code.m)
    dot = (ca * cb).sum(axis=(-3, -2, -1))
    want = code.m**3 / 2 * np.cos(phi - phi2).sum(axis=-1)
    m.set("cube_dot_max_rel_error", float(np.max(np.abs(dot - want)) / np.max(np.abs(want))))
    m.set("phase_readback_max_error", float(np.abs(wrap(cube_phases(ca) - phi)).max()))
    ratios = code.scales[code.orientations == code.orientations[0]]
    if len(ratios) > 1:
        m.set("scale_ratio", float(np.exp(np.mean(np.diff(np.log(ratios))))))
    else:
        m.set("scale_ratio", None, "a single scale has no ratio")
    return m


# -- path integration -------------------------------------------------------------------------

PATH_DEFAULTS = {
    "n_trajectories": 4,
    "n_steps": 500,
    "dt": 0.02,
    "speed": 0.15,
    "sigmas": [0.0, 0.01],
    "sigma": 0.01,  # the noise level of the headline metrics
    "decode_step": 0.01,
    "curve_points": 50,
}


def run_path_integration(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Card P03 §3 "Path integration": RMSE vs time and vs noise against dead reckoning.

    For each sigma in ``sigmas`` the same trajectories are integrated by binding (phase noise
    sigma per step and axis) and by dead reckoning (matched position noise, see
    :mod:`implementations.gcvsa.path_integration`). Metrics at ``sigma``: ``position_rmse``
    (over all steps and trajectories, metres), ``position_rmse_final``, ``dead_reckoning_rmse``,
    ``rmse_ratio_vs_dead_reckoning``; ``position_rmse_noiseless`` at sigma = 0. Artifacts: the
    curves ``rmse_vs_time`` and ``rmse_vs_noise``.
    """
    from implementations.gcvsa.decode import decode_position
    from implementations.gcvsa.path_integration import (
        dead_reckoning,
        integrate,
        matched_position_noise,
        ou_trajectory,
    )

    mp, p = _split(ctx.params, PATH_DEFAULTS)
    code = _code(model, mp)
    m = Measurements()
    _model_metrics(m, code)
    rng = ctx.rng("trajectories")
    n_steps = int(p["n_steps"])
    traj = np.stack(
        [ou_trajectory(rng, n_steps, float(p["dt"]), float(p["speed"])) for _ in range(int(p["n_trajectories"]))]
    )
    sigmas = [float(s) for s in p["sigmas"]]
    if float(p["sigma"]) not in sigmas:
        sigmas.append(float(p["sigma"]))
    stride = max(1, n_steps // int(p["curve_points"]))
    times = list(range(0, n_steps + 1, stride))
    curves, by_noise = {}, []
    t0 = time.perf_counter()
    for i, sigma in enumerate(sigmas):
        z = integrate(traj, code, sigma, ctx.rng(f"phase-noise-{i}"))
        est = decode_position(z.reshape(-1, code.n_modules, 3), code, step=float(p["decode_step"]))
        err = np.linalg.norm(est.reshape(traj.shape) - traj, axis=-1)  # [B, T+1]
        dr = dead_reckoning(traj, matched_position_noise(sigma, code), ctx.rng(f"dr-noise-{i}"))
        err_dr = np.linalg.norm(dr - traj, axis=-1)
        rmse_t = np.sqrt((err**2).mean(axis=0))
        rmse_dr_t = np.sqrt((err_dr**2).mean(axis=0))
        curves[str(sigma)] = {
            "t_s": [t * float(p["dt"]) for t in times],
            "gcvsa": [float(rmse_t[t]) for t in times],
            "dead_reckoning": [float(rmse_dr_t[t]) for t in times],
        }
        rmse, rmse_dr = float(np.sqrt((err**2).mean())), float(np.sqrt((err_dr**2).mean()))
        by_noise.append({"sigma": sigma, "gcvsa": rmse, "dead_reckoning": rmse_dr, "final": float(rmse_t[-1])})
        log.info("path integration sigma=%g: rmse %.4g m, dead reckoning %.4g m", sigma, rmse, rmse_dr)
        ctx.progress(i + 1, len(sigmas))
    m.set("integrate_decode_seconds", time.perf_counter() - t0)
    head = next(r for r in by_noise if r["sigma"] == float(p["sigma"]))
    m.set("position_rmse", head["gcvsa"])
    m.set("position_rmse_final", head["final"])
    m.set("dead_reckoning_rmse", head["dead_reckoning"])
    if head["dead_reckoning"] > 0:
        m.set("rmse_ratio_vs_dead_reckoning", head["gcvsa"] / head["dead_reckoning"])
    else:
        m.set("rmse_ratio_vs_dead_reckoning", None, "sigma = 0: dead reckoning is exact, the ratio is undefined")
    zero = [r for r in by_noise if r["sigma"] == 0.0]
    if zero:
        m.set("position_rmse_noiseless", zero[0]["gcvsa"])
    else:
        m.set("position_rmse_noiseless", None, "sigma = 0 not in sigmas")
    m.artifacts["rmse_vs_time"] = curves
    m.artifacts["rmse_vs_noise"] = by_noise
    return m


# -- what-where-when --------------------------------------------------------------------------

MEMORY_DEFAULTS = {
    "n_items": 10,
    "n_times": 100,
    "n_scenes": 5,
    "tolerance": 0.05,  # a "where" answer is correct within this distance (metres)
    "decode_step": 0.01,
    "items_sweep": [],
    "orientations_sweep": [],
}


def _memory_accuracy(code, n_items: int, p: Mapping[str, Any], rng: np.random.Generator) -> dict[str, float]:
    from implementations.gcvsa.memory import query_what, query_when, query_where, random_scene, scene_codes, store

    where, when, what, errs = [], [], [], []
    for _ in range(int(p["n_scenes"])):
        scene = random_scene(rng, n_items, int(p["n_times"]))
        codes = scene_codes(rng, n_items, code)
        mem = store(scene, codes, code)
        x = query_where(mem, codes, scene, code, step=float(p["decode_step"]))
        e = np.linalg.norm(x - scene.positions, axis=-1)
        errs += e.tolist()
        where += (e < float(p["tolerance"])).tolist()
        when += (query_when(mem, codes, scene, code, int(p["n_times"])) == scene.times).tolist()
        what += (query_what(mem, codes, scene, code) == np.arange(n_items)).tolist()
    return {
        "where": float(np.mean(where)),
        "when": float(np.mean(when)),
        "what": float(np.mean(what)),
        "location_error_median": float(np.median(errs)),
    }


def run_what_where_when(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Card P03 §3 "Spatio-temporal memory": accuracy of where/when/what queries.

    Metrics at ``n_items``: ``where_accuracy`` (within ``tolerance``), ``when_accuracy`` (exact
    time), ``what_accuracy``, ``query_accuracy`` (mean of the three), ``location_error_median``.
    Artifacts: ``accuracy_vs_items`` (``items_sweep``) and ``accuracy_vs_dimension``
    (``orientations_sweep``: the code rebuilt with that many orientations per scale).
    """
    mp, p = _split(ctx.params, MEMORY_DEFAULTS)
    code = _code(model, mp)
    m = Measurements()
    _model_metrics(m, code)
    acc = _memory_accuracy(code, int(p["n_items"]), p, ctx.rng("scenes"))
    for q in ("where", "when", "what"):
        m.set(f"{q}_accuracy", acc[q])
    m.set("query_accuracy", (acc["where"] + acc["when"] + acc["what"]) / 3)
    m.set("location_error_median", acc["location_error_median"])
    sweep = []
    for n in p["items_sweep"]:
        sweep.append({"n_items": int(n), **_memory_accuracy(code, int(n), p, ctx.rng(f"scenes-n{n}"))})
    m.artifacts["accuracy_vs_items"] = sweep
    dims = []
    for o in p["orientations_sweep"]:
        c = _code(model, {**mp, "n_orientations": int(o)})
        r = _memory_accuracy(c, int(p["n_items"]), p, ctx.rng(f"scenes-o{o}"))
        dims.append({"n_phasors": c.n_phasors, "n_modules": c.n_modules, **r})
    m.artifacts["accuracy_vs_dimension"] = dims
    return m


# -- family trees -----------------------------------------------------------------------------

FAMILY_DEFAULTS = {"n_draws": 5, "threshold": 0.5, "modules_sweep": [], "map_scale": 0.1, "offset": 0.35}


def _family_accuracy(tree, n_modules: int, p: Mapping[str, Any], rng: np.random.Generator) -> dict[str, float]:
    from implementations.gcvsa.family_tree import (
        build_memories,
        composed_grandparents,
        grandparents,
        query,
        relation_queries,
    )

    queries = relation_queries(tree)
    gps = grandparents(tree)
    thr = float(p["threshold"])
    ok, comp = [], []
    for _ in range(int(p["n_draws"])):
        mem = build_memories(tree, n_modules, rng)
        ok += [query(mem, mem.memories[r], a, thr) == want for (a, r), want in queries.items()]
        comp += [composed_grandparents(mem, a, thr) == want for a, want in gps.items()]
    return {"query_accuracy": float(np.mean(ok)), "composition_accuracy": float(np.mean(comp))}


def run_family_tree(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Card P03 §3 "Family trees": exact-answer-set accuracy of all ``(a, r, ?)`` queries.

    The memories use random symbols of ``K = n_scales * n_orientations`` modules (``3K``
    phasors), redrawn ``n_draws`` times. Metrics: ``query_accuracy``, ``composition_accuracy``
    (grandparent = parent o parent), ``analogy_accuracy`` (counterpart in the copy family on the
    2-D map), ``n_facts``, ``n_queries``. Artifact ``accuracy_vs_dimension`` (``modules_sweep``).
    """
    from implementations.gcvsa.family_tree import analogy_accuracy, load_family_tree, relation_queries

    mp, p = _split(ctx.params, FAMILY_DEFAULTS)
    code = _code(model, mp)
    m = Measurements()
    _model_metrics(m, code)
    tree = load_family_tree()
    m.set("n_facts", len(tree.triples))
    m.set("n_queries", len(relation_queries(tree)))
    acc = _family_accuracy(tree, code.n_modules, p, ctx.rng("symbols"))
    m.set("query_accuracy", acc["query_accuracy"])
    m.set("composition_accuracy", acc["composition_accuracy"])
    m.set("analogy_accuracy", analogy_accuracy(tree, code, float(p["map_scale"]), float(p["offset"])))
    curve = []
    for k in p["modules_sweep"]:
        r = _family_accuracy(tree, int(k), p, ctx.rng(f"symbols-k{k}"))
        curve.append({"n_modules": int(k), "n_phasors": 3 * int(k), **r})
    m.artifacts["accuracy_vs_dimension"] = curve
    return m
