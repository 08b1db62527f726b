"""The ``memory-scaling`` protocol: peak memory and time per step of one gradient step vs T and H.

For each hidden size H in ``hiddens``, each method in ``methods`` (``eprop``, ``naive``,
``bptt``) and each sequence length T in ``lengths`` (card P04 §6), one gradient computation on
a batch of ``batch`` Bernoulli(``rate``) input streams (generated inside the scan from a key, so
that the input is not a stored [B, T, I] array: the streaming setting in which e-prop's memory
can be constant) is compiled with ``jax.jit`` and measured:

* ``xla``: the compiled executable's ``memory_analysis()``: temp + argument + output − alias bytes
  (named ``"XLA compiled memory_analysis (temp+arg+out-alias)"`` in the record): exact, what XLA
  allocates for the step;
* ``rss`` (``rss: true``): peak RSS (``ru_maxrss``) of a fresh Python process that compiles and runs
  the same step (``implementations.eprop.memory_probe``); it includes the interpreter, JAX and
  the compiler, so only its growth with T is informative;
* time per step: the best of ``repeats`` runs after compilation, divided by T; compile time apart.

Metrics: ``peak_memory_ratio_tmax_tmin`` (e-prop peak at the longest over the shortest T; the
card's claim is 1.0), ``bptt_peak_memory_ratio_tmax_tmin``, ``naive_peak_memory_ratio_tmax_tmin``,
``peak_memory_bytes`` (e-prop, longest T, largest H), ``speedup_vs_bptt`` (BPTT time per step
over e-prop's, longest T, largest H). ``artifacts.memory_rows`` holds every measurement (the
report's memory-vs-T figure).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from suite.protocol import Measurements, ModelInfo, RunContext, Task

DEFAULTS: dict[str, Any] = {
    "lengths": [50, 100, 200],
    "hiddens": [64],
    "batch": 8,
    "n_inputs": 20,
    "n_classes": 4,
    "rate": 0.05,
    "methods": ["eprop", "naive", "bptt"],
    "naive_max_hidden": 128,
    "repeats": 2,
    "rss": False,
}
XLA_METHOD = "XLA compiled memory_analysis (temp+arg+out-alias)"
RSS_METHOD = "ru_maxrss of a fresh process (implementations.eprop.memory_probe)"


def compiled_gradient(
    method: str, net: Any, cell: Any, n_steps: int, batch: int, n_inputs: int, n_classes: int, rate: float
):
    """``(compiled, args)``: the jitted gradient step of ``method`` on streamed Bernoulli inputs."""
    import jax

    from implementations.eprop.bptt import bptt_grad
    from implementations.eprop.eprop import eprop_grad
    from implementations.eprop.naive import naive_eprop_grad
    from implementations.eprop.network import bernoulli_inputs

    grad_fns = {"eprop": eprop_grad, "naive": naive_eprop_grad, "bptt": bptt_grad}
    if method not in grad_fns:
        raise ValueError(f"memory-scaling method must be one of {sorted(grad_fns)}, got {method!r}")
    fn = grad_fns[method]

    def step(params, key, y):
        return fn(params, cell, bernoulli_inputs(key, batch, n_inputs, rate), y, n_steps, n_inputs)

    key = jax.random.PRNGKey(0)
    params = net.init(jax.random.PRNGKey(1), n_inputs, n_classes)
    y = jax.random.randint(jax.random.PRNGKey(2), (batch,), 0, n_classes)
    lowered = jax.jit(step).lower(params, key, y)
    start = time.perf_counter()
    compiled = lowered.compile()
    return compiled, (params, key, y), time.perf_counter() - start


def xla_peak_bytes(compiled: Any) -> tuple[int, int]:
    """``(peak, temp)`` bytes from ``compiled.memory_analysis()``."""
    m = compiled.memory_analysis()
    peak = m.temp_size_in_bytes + m.argument_size_in_bytes + m.output_size_in_bytes - m.alias_size_in_bytes
    return int(peak), int(m.temp_size_in_bytes)


def measure(method: str, net: Any, n_steps: int, p: dict[str, Any], repeats: int) -> dict[str, Any]:
    """One row: XLA peak/temp bytes, compile seconds, seconds per step."""
    import jax

    cell = net.cell(jax.random.PRNGKey(3))
    compiled, args, compile_s = compiled_gradient(
        method, net, cell, n_steps, int(p["batch"]), int(p["n_inputs"]), int(p["n_classes"]), float(p["rate"])
    )
    peak, temp = xla_peak_bytes(compiled)
    best, error = float("inf"), None
    try:
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            jax.block_until_ready(compiled(*args))
            best = min(best, time.perf_counter() - start)
    except jax.errors.JaxRuntimeError as exc:  # e.g. RESOURCE_EXHAUSTED for BPTT at the longest T
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return {
        "method": method,
        "T": n_steps,
        "H": net.hidden,
        "peak_bytes": peak,
        "temp_bytes": temp,
        "compile_seconds": compile_s,
        "step_seconds": None if error else best / n_steps,
        "error": error,
    }


def rss_peak(method: str, model_name: str, hidden: int, n_steps: int, p: dict[str, Any]) -> int:
    """Peak RSS (bytes) of a fresh process running one compiled gradient step."""
    cfg = {"method": method, "model": model_name, "hidden": hidden, "T": n_steps, **p}
    out = subprocess.run(
        [sys.executable, "-m", "implementations.eprop.memory_probe", json.dumps(cfg)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(json.loads(out.stdout.strip().splitlines()[-1])["ru_maxrss_bytes"])


def run(task: Task, model: ModelInfo, spec: Any, ctx: RunContext) -> Measurements:
    """Sweep methods × H × T (see the module docstring)."""
    p = {**DEFAULTS, **ctx.params}
    factory = model.build()
    rows: list[dict[str, Any]] = []
    lengths = sorted(int(t) for t in p["lengths"])
    hiddens = sorted(int(h) for h in p["hiddens"])
    total = len(lengths) * len(hiddens) * len(p["methods"])
    for hidden in hiddens:
        net = factory(hidden=hidden, recurrent=bool(p.get("recurrent", False)))
        for method in p["methods"]:
            if method == "naive" and hidden > int(p["naive_max_hidden"]):
                continue
            for n_steps in lengths:
                row = measure(method, net, n_steps, p, int(p["repeats"]))
                if p["rss"]:
                    try:
                        row["rss_peak_bytes"] = rss_peak(method, model.name, hidden, n_steps, p)
                    except (subprocess.SubprocessError, OSError, ValueError) as exc:  # e.g. out of memory
                        row["rss_peak_bytes"], row["rss_error"] = None, f"{type(exc).__name__}: {exc}"[:300]
                rows.append(row)
                ctx.logger.info("memory-scaling %s", row)
                ctx.progress(len(rows), total)
    out = Measurements()
    h_max = hiddens[-1]

    def pick(method: str, n_steps: int, hidden: int = h_max) -> dict[str, Any] | None:
        return next((r for r in rows if r["method"] == method and r["T"] == n_steps and r["H"] == hidden), None)

    for method, prefix in (("eprop", ""), ("bptt", "bptt_"), ("naive", "naive_")):
        hidden = h_max if method != "naive" else max((r["H"] for r in rows if r["method"] == "naive"), default=h_max)
        lo, hi = pick(method, lengths[0], hidden), pick(method, lengths[-1], hidden)
        name = f"{prefix}peak_memory_ratio_tmax_tmin"
        if lo and hi:
            out.set(name, hi["peak_bytes"] / lo["peak_bytes"])
        else:
            out.set(name, None, reason=f"method '{method}' not measured at H={hidden}")
    e_hi, b_hi = pick("eprop", lengths[-1]), pick("bptt", lengths[-1])
    out.set("peak_memory_bytes", e_hi["peak_bytes"] if e_hi else None, reason="e-prop not measured")
    if b_hi:
        out.set("bptt_peak_memory_bytes", b_hi["peak_bytes"])
    if e_hi and b_hi and e_hi["step_seconds"] and b_hi["step_seconds"]:
        out.set("speedup_vs_bptt", b_hi["step_seconds"] / e_hi["step_seconds"])
    else:
        out.set("speedup_vs_bptt", None, reason="needs eprop and bptt run at the longest T (see memory_rows errors)")
    out.artifacts.update(
        {
            "memory_rows": rows,
            "peak_memory_method": XLA_METHOD,
            "rss_method": RSS_METHOD if p["rss"] else None,
            "input": "Bernoulli stream generated inside the scan (not stored over T)",
        }
    )
    return out
