"""The implementations of the throughput benchmark, one registered model each.

Every factory is ``factory(*, n, batch, steps, seed, weight_scale=1.0) -> Case`` (``case.py``):
Linear(n→n, no bias, W ~ U(±1/√n)·weight_scale) then one LIF layer, on a fixed Bernoulli(0.1)
input, loss = Σ outputs.

* ``snnax_jax``: our engine (``graph.sequential(Linear, LIFSoftReset)``, α = β = 0.9, fixed as the
  protocol's β; ``snnax_jax_train_decays`` trains them too); the graph
  hoists the Linear out of the time loop (one GEMM over all T·B rows), the LIF runs as one
  ``lax.scan`` with the hand-written reverse-time VJP of ``lif_scan_vjp.py``, jit. forward =
  ``jax.vjp`` (jitted, returns the pullback), backward = the pullback. ``snnax_jax_autodiff``
  is the same network with autodiff of the scanned step (the reference the VJP is tested against).
* ``snnax_torch`` / ``snnax_torch_compile``: the same model in PyTorch (one GEMM, then the step
  loop over ``unbind``), eager or with ``torch.compile`` of the step function.
* ``floor_jax`` / ``floor_torch``: the matrix products the protocol cannot avoid, alone: forward
  Y = X·Wᵀ over all T·B rows, backward dW = Gᵀ·X (the input needs no gradient, so the
  protocol's backward has no dX product).
* peers ``snntorch``, ``norse``, ``spyx``: written as their documentation writes such a network
  (the Linear applied inside the time loop), with the Open Neuromorphic β = 0.9, θ = 1.
* ``snnax_upstream``: the ``snnax`` package; PyPI 0.0.1 fails at import (PEERS.md), so the
  factory raises and the record says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from implementations.snnax.throughput import reference
from implementations.snnax.throughput.case import BETA, Case, cotangent, input_spikes, uniform_weight

OURS_ALPHA = 0.9
OURS_BETA = 0.9
#: Extra weight gain of the conformance case per implementation, so that each neuron model spikes
#: at a useful rate there (ours scales its input by (1 − α)(1 − β) = 0.01).
CHECK_GAIN = {
    "snnax_jax": 12.0,
    "snnax_jax_train_decays": 12.0,
    "snnax_jax_autodiff": 12.0,
    "snnax_torch": 12.0,
    "snnax_torch_compile": 12.0,
    "norse": 3.0,
}


# -- JAX -------------------------------------------------------------------------------------------


def _jax_case(
    name: str, loss_fn: Any, params: Any, x: Any, out_fn: Any, w: np.ndarray, xs: np.ndarray, ref: Any
) -> Case:
    """forward/backward via a jitted ``jax.vjp`` whose pullback is returned and applied by a second jit."""
    import jax
    import jax.numpy as jnp

    fwd = jax.jit(lambda p, xx: jax.vjp(lambda q: loss_fn(q, xx), p))
    bwd = jax.jit(lambda pullback: pullback(jnp.ones((), jnp.float32)))
    vg = jax.jit(jax.value_and_grad(loss_fn))
    held: dict[str, Any] = {}

    def forward() -> None:
        loss, pullback = fwd(params, x)
        held["pullback"] = jax.block_until_ready(pullback)
        held["loss"] = loss

    def backward() -> None:
        jax.block_until_ready(bwd(held.pop("pullback")))

    def fused() -> None:
        jax.block_until_ready(vg(params, x))

    return Case(
        name=name,
        framework="jax",
        forward=forward,
        backward=backward,
        fused=fused,
        outputs=lambda: np.asarray(out_fn(params, x)),
        weight=lambda: w,
        inputs=lambda: xs,
        reference=ref,
        info={"jax_backend": jax.default_backend(), "jax_devices": [str(d) for d in jax.devices()]},
    )


def snnax_jax(
    *,
    n: int,
    batch: int,
    steps: int,
    seed: int,
    weight_scale: float = 1.0,
    unroll: int = 1,
    train_decays: bool = False,
    custom_vjp: bool = True,
) -> Case:
    """Our engine: ``sequential(Linear, LIFSoftReset)`` scanned with the projection hoisted.

    As in the Open Neuromorphic network (snnTorch ``Leaky(beta=0.9)``), only the Linear weight is
    trained: α = β = 0.9 are constants. ``train_decays`` also differentiates the per-neuron α and
    β (SNNAX's trainable decays): the backward pass then needs the current sequence too.
    ``custom_vjp`` (default) runs the LIF with the hand-written VJP of ``lif_scan_vjp.py``
    (residual: the membrane sequence only); ``False`` differentiates the scanned step by autodiff.
    """
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    from implementations.snnax.graph import sequential
    from implementations.snnax.lif_soft_reset import LIFSoftReset
    from implementations.snnax.stateful import Linear

    w = uniform_weight(n, seed, weight_scale)
    xs = input_spikes(steps, batch, n, seed)
    lin = eqx.tree_at(lambda m: m.weight, Linear(n, n, key=jax.random.PRNGKey(seed)), jnp.asarray(w))
    model = sequential(lin, LIFSoftReset(n, alpha=OURS_ALPHA, beta=OURS_BETA, custom_vjp=custom_vjp), unroll=unroll)
    if train_decays:
        params, static = eqx.partition(model, eqx.is_inexact_array)
    else:
        only_weight = eqx.tree_at(lambda m: m.layers[0].weight, jax.tree_util.tree_map(lambda _: False, model), True)
        params, static = eqx.partition(model, only_weight)

    def out_fn(p: Any, x: Any) -> Any:
        m = eqx.combine(p, static)
        return m(m.init_state((x.shape[1],)), x)[1]

    def loss_fn(p: Any, x: Any) -> Any:
        return out_fn(p, x).sum()

    name = "snnax-jax-train-decays" if train_decays else "snnax-jax"
    return _jax_case(
        name if custom_vjp else f"{name}-autodiff",
        loss_fn,
        params,
        jnp.asarray(xs),
        jax.jit(out_fn),
        w,
        xs,
        lambda cur: reference.soft_reset_lif(cur, OURS_ALPHA, OURS_BETA),
    )


def snnax_jax_train_decays(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """``snnax_jax`` with the per-neuron decays α, β trained too (SNNAX's default for its cells)."""
    return snnax_jax(n=n, batch=batch, steps=steps, seed=seed, weight_scale=weight_scale, train_decays=True)


def snnax_jax_autodiff(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """``snnax_jax`` with the LIF scan differentiated by autodiff (no custom VJP): the reference."""
    return snnax_jax(n=n, batch=batch, steps=steps, seed=seed, weight_scale=weight_scale, custom_vjp=False)


def floor_jax(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """Y = X·Wᵀ forward, dW = Gᵀ·X backward, in JAX (the protocol's unavoidable products)."""
    import jax
    import jax.numpy as jnp

    w = uniform_weight(n, seed, weight_scale)
    xs = input_spikes(steps, batch, n, seed)
    x2 = jnp.asarray(xs.reshape(steps * batch, n))
    g = jnp.asarray(cotangent((steps * batch, n), seed))
    fwd = jax.jit(lambda wt, xx: jax.vjp(lambda q: xx @ q.T, wt))
    bwd = jax.jit(lambda pullback, gg: pullback(gg))
    held: dict[str, Any] = {}

    def forward() -> None:
        y, pullback = fwd(jnp.asarray(w), x2)
        held["pullback"] = jax.block_until_ready(pullback)
        held["y"] = y

    def backward() -> None:
        jax.block_until_ready(bwd(held.pop("pullback"), g))

    return Case(
        name="floor-jax",
        framework="jax",
        forward=forward,
        backward=backward,
        outputs=lambda: np.asarray(x2 @ jnp.asarray(w).T).reshape(steps, batch, n),
        weight=lambda: w,
        inputs=lambda: xs,
        reference=lambda cur: cur,
        info={"floor": "forward GEMM [T·B, n]x[n, n] + weight-gradient GEMM; no neuron dynamics"},
    )


def spyx(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """Spyx 1.0 (flax.nnx): ``nnx.Linear`` then ``spyx.nn.LIF(β=0.9)`` in a ``lax.scan`` over steps."""
    import jax
    import jax.numpy as jnp
    import spyx  # noqa: F401  (imports spyx.nn's dependencies; an ImportError names what is missing)
    from flax import nnx
    from spyx import nn as snn

    w = uniform_weight(n, seed, weight_scale)
    xs = input_spikes(steps, batch, n, seed)
    rngs = nnx.Rngs(seed)
    lin = nnx.Linear(n, n, use_bias=False, rngs=rngs)
    lin.kernel[...] = jnp.asarray(w.T)
    model = snn.Sequential(lin, snn.LIF((n,), beta=BETA, rngs=rngs))
    graphdef, params = nnx.split(model)

    def out_fn(p: Any, x: Any) -> Any:
        m = nnx.merge(graphdef, p)
        state = m.initial_state(x.shape[1])

        def body(st: Any, x_t: Any) -> Any:
            out, st = m(x_t, st)
            return st, out

        return jax.lax.scan(body, state, x)[1]

    def loss_fn(p: Any, x: Any) -> Any:
        return out_fn(p, x).sum()

    case = _jax_case(
        "spyx", loss_fn, params, jnp.asarray(xs), jax.jit(out_fn), w, xs, lambda cur: reference.spyx_lif(cur, BETA)
    )
    case.info["spyx_version"] = _version("spyx")
    return case


def snnax_upstream(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """The ``snnax`` package itself; PyPI 0.0.1 fails at import (card P09 §7, PEERS.md)."""
    try:
        import snnax  # noqa: F401
    except ImportError as exc:
        why = (
            "not installed: the [peers] extra leaves it out because PyPI snnax 0.0.1 fails at import"
            if isinstance(exc, ModuleNotFoundError) and exc.name == "snnax"
            else f"it fails at import ({type(exc).__name__}: {exc}), as PyPI snnax 0.0.1 does"
        )
        raise RuntimeError(
            f"the snnax package cannot run here: {why} (ImportError: circular import in snnax.snn). The GitHub "
            "source (PGI15/snnax b7a55c6) works (PEERS.md) but cannot be fetched on this machine"
        ) from exc
    raise RuntimeError("snnax imported, but no adapter for its API is written yet (PyPI 0.0.1 was expected to fail)")


# -- PyTorch ---------------------------------------------------------------------------------------


def _torch_case(name: str, net: Any, xs: np.ndarray, w: np.ndarray, ref: Any, info: dict[str, Any]) -> Case:
    import torch

    x = torch.from_numpy(xs)
    held: dict[str, Any] = {}

    def sync() -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    def forward() -> None:
        out = net(x)
        held["out"] = out
        held["loss"] = out.sum()
        sync()

    def backward() -> None:
        held.pop("loss").backward()
        sync()
        for p in net.parameters():
            p.grad = None

    def outputs() -> np.ndarray:
        with torch.no_grad():
            return net(x).numpy()

    return Case(name, "torch", forward, backward, outputs, lambda: w, lambda: xs, ref, info=info)


def snnax_torch(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """Our model in PyTorch eager: one GEMM for all steps, then the LIFSoftReset step loop."""
    from implementations.snnax.throughput.torch_lif import TorchLinearLIF

    w = uniform_weight(n, seed, weight_scale)
    net = TorchLinearLIF(w, OURS_ALPHA, OURS_BETA)
    ref = lambda cur: reference.soft_reset_lif(cur, OURS_ALPHA, OURS_BETA)  # noqa: E731
    return _torch_case("snnax-torch", net, input_spikes(steps, batch, n, seed), w, ref, {})


def snnax_torch_compile(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """As ``snnax_torch`` with the LIF step compiled by ``torch.compile`` (the 500-step loop is not)."""
    from implementations.snnax.throughput.torch_lif import TorchLinearLIF

    w = uniform_weight(n, seed, weight_scale)
    net = TorchLinearLIF(w, OURS_ALPHA, OURS_BETA, compile_step=True)
    ref = lambda cur: reference.soft_reset_lif(cur, OURS_ALPHA, OURS_BETA)  # noqa: E731
    return _torch_case("snnax-torch-compile", net, input_spikes(steps, batch, n, seed), w, ref, {})


def floor_torch(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """Y = X·Wᵀ forward, dW = Gᵀ·X backward, in PyTorch."""
    import torch

    w = uniform_weight(n, seed, weight_scale)
    xs = input_spikes(steps, batch, n, seed)
    x2 = torch.from_numpy(xs.reshape(steps * batch, n))
    g = torch.from_numpy(cotangent((steps * batch, n), seed))
    weight = torch.nn.Parameter(torch.from_numpy(w.copy()))
    held: dict[str, Any] = {}

    def forward() -> None:
        held["y"] = x2 @ weight.T

    def backward() -> None:
        held.pop("y").backward(g)
        weight.grad = None

    def outputs() -> np.ndarray:
        with torch.no_grad():
            return (x2 @ weight.T).numpy().reshape(steps, batch, n)

    return Case("floor-torch", "torch", forward, backward, outputs, lambda: w, lambda: xs, lambda cur: cur)


def snntorch(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """snnTorch 1.0 ``Leaky(beta=0.9)`` after ``nn.Linear``, stepped over ``x.unbind(0)``."""
    import snntorch as snn
    import torch
    from torch import nn

    w = uniform_weight(n, seed, weight_scale)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(n, n, bias=False)
            with torch.no_grad():
                self.fc.weight.copy_(torch.from_numpy(w))
            self.lif = snn.Leaky(beta=BETA)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            mem = self.lif.init_leaky()
            out = []
            for x_t in x.unbind(0):
                spk, mem = self.lif(self.fc(x_t), mem)
                out.append(spk)
            return torch.stack(out)

    info = {"snntorch_version": _version("snntorch")}
    ref = lambda cur: reference.snntorch_leaky(cur, BETA)  # noqa: E731
    return _torch_case("snntorch", Net(), input_spikes(steps, batch, n, seed), w, ref, info)


def norse(*, n: int, batch: int, steps: int, seed: int, weight_scale: float = 1.0) -> Case:
    """Norse 1.1 ``LIFBoxCell`` (defaults: dt/τ = 0.1, θ = 1, reset to 0) after ``nn.Linear``, stepped."""
    import norse.torch as nt
    import torch
    from torch import nn

    w = uniform_weight(n, seed, weight_scale)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(n, n, bias=False)
            with torch.no_grad():
                self.fc.weight.copy_(torch.from_numpy(w))
            self.cell = nt.LIFBoxCell()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            state = None
            out = []
            for x_t in x.unbind(0):
                z, state = self.cell(self.fc(x_t), state)
                out.append(z)
            return torch.stack(out)

    info = {"norse_version": _version("norse")}
    return _torch_case("norse", Net(), input_spikes(steps, batch, n, seed), w, reference.norse_lif_box, info)


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"
