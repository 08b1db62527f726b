"""Networks of stateful layers as graphs, with recurrent and feedback edges (card P09 §3, §7).

A :class:`GraphStructure` names, for every layer ``i``, the layers whose outputs it sums
(``input_connectivity[i]``), which layers receive the external input, and which layers' outputs
are returned. At each time step t the layers run in index order and

    x_i(t) = [i ∈ input_layer_ids]·x(t) + Σ_{j ∈ inputs(i), j < i} o_j(t) + Σ_{j ∈ inputs(i), j ≥ i} o_j(t − 1)

so an edge from an earlier layer is immediate, and an edge to itself (recurrence) or from a later
layer (feedback) carries the previous step's output, o_j(−1) = 0. This is SNNAX's
``default_forward_fn`` semantics, with its two open bugs fixed:

* #9: SNNAX's ``init_state`` runs layers to learn the shapes of outputs and fails (IndexError)
  when an edge points at a layer not built yet. Here every layer states ``out_features``, so the
  state (each layer's own state plus the previous outputs of every source of a backward edge) is
  built from sizes alone, for any graph shape; sizes are checked at construction.
* #8: ``SequentialLocalFeedback`` ignores its feedback structure. :func:`sequential_with_feedback`
  builds the graph the feedback edges describe, and tests run it.

Time runs under ``jax.lax.scan``. Layers that are stateless and fed only (transitively) by the
external input — the input projection of a network — are applied once to the whole sequence
before the scan (one large matrix product instead of T small ones: the state-space view, the
main speed lever of the Open Neuromorphic benchmark, PEERS.md). This changes no number: a test
compares it with the step-by-step loop. A stateful layer that offers a whole-sequence scan with a
hand-written VJP (a cell built with ``custom_vjp=True``, see ``lif_scan_vjp.py``) and is fed only
by such precomputed layers runs as its own scan before the main loop too, so that its backward
pass is that VJP; a graph of precomputed layers alone needs no main loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from implementations.snnax.stateful import is_stateless


class GraphStructure(NamedTuple):
    """SNNAX's ``GraphStructure``: ``num_layers``, input/final layer ids, per-layer input ids."""

    num_layers: int
    input_layer_ids: tuple[int, ...]
    final_layer_ids: tuple[int, ...]
    input_connectivity: tuple[tuple[int, ...], ...]


class GraphState(NamedTuple):
    layers: tuple[Any, ...]  # each layer's own state
    outputs: tuple[jax.Array, ...]  # previous-step outputs of the layers in ``Graph.carried_ids``


def _check(structure: GraphStructure, layers: Sequence[Any]) -> None:
    n = structure.num_layers
    if n != len(layers) or len(structure.input_connectivity) != n:
        raise ValueError(
            f"graph structure has num_layers={n} and {len(structure.input_connectivity)} connectivity rows "
            f"for {len(layers)} layers"
        )
    if not structure.input_layer_ids or not structure.final_layer_ids:
        raise ValueError("a graph needs at least one input layer and one final layer")
    for ids, what in ((structure.input_layer_ids, "input"), (structure.final_layer_ids, "final")):
        bad = [i for i in ids if not 0 <= i < n]
        if bad:
            raise ValueError(f"{what} layer id(s) {bad} out of range 0..{n - 1}")
    for i, preds in enumerate(structure.input_connectivity):
        if not preds and i not in structure.input_layer_ids:
            raise ValueError(f"layer {i} receives nothing: no input edge and not an input layer")
        for j in preds:
            if not 0 <= j < n:
                raise ValueError(f"layer {i} reads layer {j}, out of range 0..{n - 1}")
            if layers[j].out_features != layers[i].in_features:
                raise ValueError(
                    f"edge {j} -> {i}: layer {j} gives {layers[j].out_features} features, "
                    f"layer {i} takes {layers[i].in_features}"
                )


def _scans_sequence(layer: Any) -> bool:
    """A stateful layer that asks to run as one whole-sequence scan (``custom_vjp=True`` cells)."""
    return bool(getattr(layer, "custom_vjp", False)) and callable(getattr(layer, "scan", None))


def _hoisted(structure: GraphStructure, layers: Sequence[Any]) -> tuple[int, ...]:
    """Layers computable for all steps before the scan, fed only by the input or hoisted layers:
    stateless layers, and layers with their own whole-sequence scan (:func:`_scans_sequence`)."""
    out: list[int] = []
    for i, preds in enumerate(structure.input_connectivity):
        if (is_stateless(layers[i]) or _scans_sequence(layers[i])) and all(j < i and j in out for j in preds):
            out.append(i)
    return tuple(out)


class Graph(eqx.Module):
    """A stateful model: layers plus a :class:`GraphStructure` (SNNAX ``StatefulModel``)."""

    layers: tuple[Any, ...]
    structure: GraphStructure = eqx.field(static=True)
    carried_ids: tuple[int, ...] = eqx.field(static=True)
    hoisted_ids: tuple[int, ...] = eqx.field(static=True)
    unroll: int = eqx.field(static=True, default=1)

    def __init__(self, layers: Sequence[Any], structure: GraphStructure, *, unroll: int = 1) -> None:
        structure = GraphStructure(
            int(structure.num_layers),
            tuple(structure.input_layer_ids),
            tuple(structure.final_layer_ids),
            tuple(tuple(p) for p in structure.input_connectivity),
        )
        _check(structure, layers)
        self.layers = tuple(layers)
        self.structure = structure
        self.carried_ids = tuple(
            sorted({j for i, preds in enumerate(structure.input_connectivity) for j in preds if j >= i})
        )
        self.hoisted_ids = _hoisted(structure, layers)
        self.unroll = int(unroll)

    @property
    def in_features(self) -> int:
        return self.layers[self.structure.input_layer_ids[0]].in_features

    def init_state(self, batch_shape: tuple[int, ...]) -> GraphState:
        """Every layer's state, and zero previous outputs for the sources of backward edges."""
        batch_shape = tuple(batch_shape)
        return GraphState(
            layers=tuple(layer.init_state(batch_shape) for layer in self.layers),
            outputs=tuple(
                jnp.zeros((*batch_shape, self.layers[j].out_features), jnp.float32) for j in self.carried_ids
            ),
        )

    def _step(
        self, state: GraphState, x_t: jax.Array, pre: dict[int, jax.Array], key: jax.Array | None
    ) -> tuple[GraphState, tuple[jax.Array, ...]]:
        prev = dict(zip(self.carried_ids, state.outputs, strict=True))
        keys = jax.random.split(key, len(self.layers)) if key is not None else [None] * len(self.layers)
        outs: dict[int, jax.Array] = {}
        new_states = list(state.layers)
        for i, layer in enumerate(self.layers):
            if i in pre:
                outs[i] = pre[i]
                continue
            inp = x_t if i in self.structure.input_layer_ids else None
            for j in self.structure.input_connectivity[i]:
                term = outs[j] if j < i else prev[j]
                inp = term if inp is None else inp + term
            new_states[i], outs[i] = layer(state.layers[i], inp, key=keys[i])
        new = GraphState(layers=tuple(new_states), outputs=tuple(outs[j] for j in self.carried_ids))
        return new, tuple(outs[j] for j in self.structure.final_layer_ids)

    def step(self, state: GraphState, x_t: jax.Array, *, key: jax.Array | None = None) -> tuple[GraphState, Any]:
        """One time step of the whole graph (no hoisting); returns (state, final output(s))."""
        state, finals = self._step(state, x_t, {}, key)
        return state, finals[0] if len(finals) == 1 else finals

    def _precompute(
        self, state: GraphState, xs: jax.Array, key: jax.Array | None, inference: bool, burnin: int
    ) -> tuple[dict[int, jax.Array], dict[int, Any]]:
        """Outputs [T, ...] of the hoisted layers, and the final states of those that scan a sequence."""
        pre: dict[int, jax.Array] = {}
        finals: dict[int, Any] = {}
        keys = jax.random.split(key, len(self.layers)) if key is not None else [None] * len(self.layers)
        for i in self.hoisted_ids:
            inp = xs if i in self.structure.input_layer_ids else None
            for j in self.structure.input_connectivity[i]:
                inp = pre[j] if inp is None else inp + pre[j]
            layer = self.layers[i]
            if is_stateless(layer):
                pre[i] = layer.apply(inp, key=keys[i], inference=inference)
                continue
            st = state.layers[i]
            if burnin:
                # as the main loop: burn-in steps move the state, which then carries no gradient
                st, head = layer.scan(st, inp[:burnin], unroll=self.unroll)
                st = jax.lax.stop_gradient(st)
                finals[i], tail = layer.scan(st, inp[burnin:], unroll=self.unroll)
                pre[i] = jnp.concatenate([jax.lax.stop_gradient(head), tail], axis=0)
            else:
                finals[i], pre[i] = layer.scan(st, inp, unroll=self.unroll)
        return pre, finals

    def __call__(
        self,
        state: GraphState,
        xs: jax.Array,
        *,
        key: jax.Array | None = None,
        burnin: int = 0,
        inference: bool = False,
    ) -> tuple[GraphState, Any]:
        """Run over the leading (time) axis of ``xs`` [T, ..., C]; return (final state, outputs [T', ...]).

        The first ``burnin`` steps update the state without gradient and without output (SNNAX's
        ``burnin``); T' = T − burnin.
        """
        pre_key, step_key = jax.random.split(key) if key is not None else (None, None)
        pre, seq_finals = self._precompute(state, xs, pre_key, inference, burnin)
        if len(self.hoisted_ids) == len(self.layers):
            # every layer ran over the whole sequence: no main loop (and no backward edges, so no
            # carried outputs)
            layer_states = tuple(seq_finals.get(i, s) for i, s in enumerate(state.layers))
            finals = tuple(pre[j][burnin:] for j in self.structure.final_layer_ids)
            return GraphState(layers=layer_states, outputs=state.outputs), finals[0] if len(finals) == 1 else finals
        n_steps = xs.shape[0]
        step_keys = jax.random.split(step_key, n_steps) if step_key is not None else None
        dyn = tuple(self.hoisted_ids)

        def body(carry: GraphState, inputs: Any) -> tuple[GraphState, tuple[jax.Array, ...]]:
            x_t, pre_t, k_t = inputs
            return self._step(carry, x_t, dict(zip(dyn, pre_t, strict=True)), k_t)

        # The external input is needed inside the loop only by input layers that are not hoisted.
        needs_x = any(i not in self.hoisted_ids for i in self.structure.input_layer_ids)
        x_seq = xs if needs_x else jnp.zeros((n_steps,), xs.dtype)
        seq = (x_seq, tuple(pre[i] for i in dyn), step_keys)
        if burnin:
            head = jax.tree_util.tree_map(lambda a: a[:burnin], seq)
            state, _ = jax.lax.scan(body, state, head, unroll=self.unroll)
            state = jax.lax.stop_gradient(state)
            seq = jax.tree_util.tree_map(lambda a: a[burnin:], seq)
        state, finals = jax.lax.scan(body, state, seq, unroll=self.unroll)
        if seq_finals:
            state = state._replace(layers=tuple(seq_finals.get(i, s) for i, s in enumerate(state.layers)))
        return state, finals[0] if len(finals) == 1 else finals


def sequential(*layers: Any, unroll: int = 1) -> Graph:
    """A chain: layer 0 takes the input, layer k takes layer k − 1, the last layer is returned."""
    n = len(layers)
    conn = tuple(() if k == 0 else (k - 1,) for k in range(n))
    return Graph(layers, GraphStructure(n, (0,), (n - 1,), conn), unroll=unroll)


def sequential_with_feedback(*layers: Any, feedback: dict[int, Sequence[int]], unroll: int = 1) -> Graph:
    """A chain plus feedback/recurrent edges: ``feedback[i]`` lists extra layers that layer ``i`` reads.

    What SNNAX's ``SequentialLocalFeedback`` was meant to build (its issue #8).
    """
    n = len(layers)
    conn = [[] if k == 0 else [k - 1] for k in range(n)]
    for i, srcs in feedback.items():
        conn[i].extend(srcs)
    return Graph(layers, GraphStructure(n, (0,), (n - 1,), tuple(tuple(c) for c in conn)), unroll=unroll)
