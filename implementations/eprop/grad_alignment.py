"""The ``grad-alignment`` protocol: e-prop, naive e-prop and RTRL against BPTT on Bernoulli inputs.

Card P04 §6: random Bernoulli inputs (rate ``rate``, default 0.05; the tiny exact case uses a
denser 0.3 so that the 4 neurons spike in 3 steps), random labels; the model's network (cell,
hidden, recurrent) with the card's init. Metrics, per layer and overall:

* ``grad_max_rel_error_vs_bptt``: max_ij |g − g_BPTT| / max_ij |g_BPTT| over W_in and W_out (the
  larger); a scale-free form of the card's "max relative error" that does not divide by
  near-zero entries;
* ``grad_cosine_vs_bptt``: cosine similarity of the flattened W_in gradients (W_out's is exact);
* the same two for naive e-prop and (hidden <= 128) RTRL: ``naive_*``, ``rtrl_*``, and for a
  feed-forward LIF the synaptax-compatible post-reset rule (``synaptax_lif.py``): ``synaptax_*``.

Gates live in the tests (exact case < 1e-5), not here: a protocol records.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from suite.protocol import Measurements, ModelInfo, RunContext, Task

NAIVE_MAX_BYTES = 256 * 2**20  # the dense trace of naive e-prop, B·K·H·H·I floats
DEFAULTS: dict[str, Any] = {"n_inputs": 20, "n_classes": 4, "n_steps": 50, "batch": 4, "rate": 0.05, "input_scale": 1.0}


def max_rel_error(g: np.ndarray, ref: np.ndarray) -> float:
    """max |g − ref| / max |ref| (0 when both are zero)."""
    scale = float(np.max(np.abs(ref)))
    diff = float(np.max(np.abs(g - ref)))
    return diff / scale if scale > 0 else diff


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(np.dot(a.ravel(), b.ravel()) / (na * nb)) if na > 0 and nb > 0 else float("nan")


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Compare every gradient method with BPTT on one random batch (see the module docstring)."""
    import jax
    import jax.numpy as jnp

    from implementations.eprop.bptt import bptt_grad
    from implementations.eprop.eprop import eprop_grad
    from implementations.eprop.naive import naive_eprop_grad
    from implementations.eprop.network import array_inputs
    from implementations.eprop.rtrl import MAX_HIDDEN, rtrl_grad

    p = {**DEFAULTS, **ctx.params}
    hparams = {k: p[k] for k in ("hidden", "recurrent", "reset") if k in p}
    net = model.build()(**hparams)
    n_in, n_cls, n_steps, batch = int(p["n_inputs"]), int(p["n_classes"]), int(p["n_steps"]), int(p["batch"])
    key = jax.random.PRNGKey(ctx.seed)
    k_x, k_y, k_p, k_c = jax.random.split(key, 4)
    x = jax.random.bernoulli(k_x, float(p["rate"]), (batch, n_steps, n_in)).astype(jnp.float32) * float(
        p["input_scale"]
    )
    y = jax.random.randint(k_y, (batch,), 0, n_cls)
    params = net.init(k_p, n_in, n_cls)
    cell = net.cell(k_c)
    x_at = array_inputs(x)

    loss_b, g_b = jax.jit(lambda q: bptt_grad(q, cell, x_at, y, n_steps, n_in))(params)
    _, g_e = jax.jit(lambda q: eprop_grad(q, cell, x_at, y, n_steps, n_in))(params)
    ref = {k: np.asarray(v) for k, v in g_b._asdict().items()}
    out = Measurements()

    def record(prefix: str, g: Any) -> None:
        got = {k: np.asarray(v) for k, v in g._asdict().items()}
        out.set(f"{prefix}grad_max_rel_error_vs_bptt", max(max_rel_error(got[k], ref[k]) for k in ref))
        out.set(f"{prefix}grad_cosine_vs_bptt", cosine(got["w_in"], ref["w_in"]), reason="a zero W_in gradient")
        for k in ref:
            out.artifacts[f"{prefix}max_rel_error_{k}"] = max_rel_error(got[k], ref[k])

    record("", g_e)
    fan_in = params.w_in.shape[1]
    if batch * cell.n_states * net.hidden * net.hidden * fan_in * 4 <= NAIVE_MAX_BYTES:
        _, g_n = jax.jit(lambda q: naive_eprop_grad(q, cell, x_at, y, n_steps, n_in))(params)
        record("naive_", g_n)
    else:
        out.set("naive_grad_max_rel_error_vs_bptt", None, reason="naive e-prop skipped: dense Jacobians too large")
    if net.hidden <= MAX_HIDDEN:
        record("rtrl_", jax.jit(lambda q: rtrl_grad(q, cell, x_at, y, n_steps, n_in))(params))
    else:
        out.set("rtrl_grad_max_rel_error_vs_bptt", None, reason=f"RTRL restricted to hidden <= {MAX_HIDDEN}")
    if net.cell_name == "lif" and not net.recurrent:
        from implementations.eprop.synaptax_lif import synaptax_lif_grad

        _, g_s = jax.jit(lambda q: synaptax_lif_grad(q, x_at, y, n_steps, n_in, reset=net.reset))(params)
        record("synaptax_", g_s)
    zs_rate = float(jnp.mean(jax.jit(lambda q: _spike_rate(q, cell, x_at, n_steps, batch, n_in))(params)))
    out.set("activation_sparsity", 1.0 - zs_rate)
    out.set("params", net.param_count(n_in, n_cls))
    out.artifacts.update(
        {
            "loss": float(loss_b),
            "cell": net.cell_name,
            "recurrent": net.recurrent,
            "reset": net.reset,
            "hidden": net.hidden,
        }
    )
    ctx.logger.info("%s: e-prop vs BPTT %s", model.name, out.metrics)
    return out


def _spike_rate(params, cell, x_at, n_steps, batch, n_in):
    from implementations.eprop.network import forward

    return forward(params, cell, x_at, n_steps, batch, n_in)[1]
