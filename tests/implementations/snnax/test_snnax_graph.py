"""Graphs with recurrent and feedback edges (card P09 §3, §7: SNNAX issues #8 and #9)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from implementations.snnax.adaptive_lif import AdaptiveLIF
from implementations.snnax.graph import Graph, GraphStructure, sequential, sequential_with_feedback
from implementations.snnax.leaky_integrator import LeakyIntegrator
from implementations.snnax.lif_soft_reset import LIFSoftReset
from implementations.snnax.stateful import Dropout, Linear


def _three_neurons() -> Graph:
    """N0 leaky integrator (input + feedback from N2), N1 soft-reset LIF (reads N0 and itself), N2 leaky integrator."""
    layers = [LeakyIntegrator(1, alpha=0.5), LIFSoftReset(1, alpha=0.5, beta=0.5), LeakyIntegrator(1, alpha=0.5)]
    structure = GraphStructure(3, (0,), (1, 2), ((2,), (0, 1), (1,)))
    return Graph(layers, structure)


# Hand computation, α = β = 0.5 everywhere, θ = u_r = 1, x = 4, 4, 4, 0, 0. A backward edge (N2 -> N0,
# N1 -> N1) carries the previous step's output; the forward edges N0 -> N1 -> N2 are immediate.
#   t  N0 in        u0      N1 in           u1 (after reset, leak)        i1       s1   N2 u2
#   0  4 + 0        2       2 + 0           0                               1        0    0
#   1  4 + 0        3       3 + 0           .5·0 + .5·1 = .5                2        0    0
#   2  4 + 0        3.5     3.5 + 0         .5·.5 + .5·2 = 1.25             2.75     1    .5
#   3  0 + .5       2       2 + 1 = 3       .5·(1.25−1) + .5·2.75 = 1.5     2.875    1    .75
#   4  0 + .75      1.375   1.375 + 1       .5·(1.5−1) + .5·2.875 = 1.6875  2.625    1    .875
WANT_S1 = [0.0, 0.0, 1.0, 1.0, 1.0]
WANT_U2 = [0.0, 0.0, 0.5, 0.75, 0.875]
WANT_U1 = [0.0, 0.5, 1.25, 1.5, 1.6875]


def test_three_neuron_recurrent_and_feedback_graph_by_hand():
    g = _three_neurons()
    assert g.carried_ids == (1, 2)  # sources of the self-loop and of the feedback edge
    xs = jnp.asarray([4.0, 4.0, 4.0, 0.0, 0.0]).reshape(5, 1, 1)
    state, (s1, u2) = jax.jit(g.__call__)(g.init_state((1,)), xs)
    assert s1[:, 0, 0].tolist() == WANT_S1
    np.testing.assert_allclose(u2[:, 0, 0], WANT_U2, atol=1e-6)
    # the same step by step, reading the soft-reset neuron's membrane on the way
    st, u1 = g.init_state((1,)), []
    for t in range(5):
        st, _ = g.step(st, xs[t])
        u1.append(float(st.layers[1].u[0, 0]))
    assert u1 == pytest.approx(WANT_U1)
    np.testing.assert_allclose(state.outputs[1], st.outputs[1])


def test_without_the_backward_edges_the_membrane_differs_by_hand():
    # Feed-forward only: N0 = 2, 3, 3.5, 1.75, .875 and N1 reads only N0. Up to t3 N1 matches (its own
    # spike first feeds back at t3): t3: u1 = 1.5, i1 = .5·2.75 + .5·1.75 = 2.25; t4: u1 = .5·(1.5 − 1) + .5·2.25
    # = 1.375 (1.6875 with the edges).
    layers = [LeakyIntegrator(1, alpha=0.5), LIFSoftReset(1, alpha=0.5, beta=0.5), LeakyIntegrator(1, alpha=0.5)]
    g = Graph(layers, GraphStructure(3, (0,), (2,), ((), (0,), (1,))))
    assert g.carried_ids == ()
    st, u1 = g.init_state((1,)), []
    for x in [4.0, 4.0, 4.0, 0.0, 0.0]:
        st, _ = g.step(st, jnp.asarray([[x]]))
        u1.append(float(st.layers[1].u[0, 0]))
    assert u1 == pytest.approx([0.0, 0.5, 1.25, 1.5, 1.375])
    assert u1[-1] != pytest.approx(WANT_U1[-1])


@pytest.mark.parametrize(
    "conn, inputs, finals",
    [
        (((), (0,), (1,), (2,)), (0,), (3,)),  # chain
        (((), (0, 1), (1,), (2,)), (0,), (3,)),  # self-loop on a LIF layer (SNNAX #9 shape)
        (((3,), (0,), (1,), (2,)), (0,), (3,)),  # feedback from the last layer to the first
        (((), (0, 2), (1,), (2,)), (0,), (1, 3)),  # recurrence through a Linear, two outputs
        (((), (0,), (1, 3), (2,)), (0, 2), (3,)),  # two input layers and a feedback loop
    ],
)
def test_state_initialisation_for_every_graph_shape(conn, inputs, finals):
    key = jax.random.PRNGKey(0)
    n = 6
    layers = [Linear(n, n, key=key), AdaptiveLIF(n), Linear(n, n, key=jax.random.PRNGKey(1)), LIFSoftReset(n)]
    g = Graph(layers, GraphStructure(4, inputs, finals, conn))
    state = g.init_state((3,))
    backward_sources = sorted({j for i, ps in enumerate(conn) for j in ps if j >= i})
    assert g.carried_ids == tuple(backward_sources)
    assert [o.shape for o in state.outputs] == [(3, n)] * len(backward_sources)
    assert all(float(jnp.abs(o).sum()) == 0.0 for o in state.outputs)
    assert state.layers[1].u.shape == (3, n) and state.layers[0] == ()
    xs = jax.random.bernoulli(key, 0.5, (7, 3, n)).astype(jnp.float32) * 3
    _, out = jax.jit(g.__call__)(state, xs)
    outs = out if isinstance(out, tuple) else (out,)
    assert len(outs) == len(finals) and all(o.shape == (7, 3, n) for o in outs)
    # the scan (with any hoisting) equals the plain step loop
    st, steps = g.init_state((3,)), []
    for t in range(7):
        st, o = g.step(st, xs[t])
        steps.append(o if isinstance(o, tuple) else (o,))
    for k in range(len(finals)):
        np.testing.assert_allclose(outs[k], jnp.stack([s[k] for s in steps]), atol=1e-6)


def test_only_input_fed_stateless_layers_are_hoisted():
    key = jax.random.PRNGKey(0)
    g = sequential(Linear(3, 4, key=key), Dropout(4, 0.5), LIFSoftReset(4), Linear(4, 2, key=key), LeakyIntegrator(2))
    assert g.hoisted_ids == (0, 1)
    fb = sequential_with_feedback(Linear(3, 4, key=key), LIFSoftReset(4), Linear(4, 3, key=key), feedback={0: [2]})
    assert fb.hoisted_ids == ()  # layer 0 reads a later layer: it must run inside the loop


def test_sequential_with_feedback_uses_its_feedback_edges():
    # SNNAX #8: SequentialLocalFeedback behaved like Sequential. Here a feedback edge changes the output.
    lin0 = eqx.tree_at(lambda m: m.weight, Linear(3, 4, key=jax.random.PRNGKey(2)), jnp.ones((4, 3)))
    lif = LIFSoftReset(4, alpha=0.5, beta=0.5)
    lin2 = eqx.tree_at(lambda m: m.weight, Linear(4, 4, key=jax.random.PRNGKey(3)), jnp.eye(4) * 5.0)
    plain = sequential(lin0, lif, lin2)
    fb = sequential_with_feedback(lin0, lif, lin2, feedback={1: [2]})
    assert fb.structure.input_connectivity == ((), (0, 2), (1,))
    xs = jnp.ones((20, 2, 3)) * 0.5  # a current of 1.5: spikes now and then without feedback
    _, a = plain(plain.init_state((2,)), xs)
    _, b = fb(fb.init_state((2,)), xs)
    assert float(b.sum()) > float(a.sum()) > 0  # positive feedback of 5·spike drives more spikes


def test_burnin_drops_outputs_and_gradients():
    g = sequential(LeakyIntegrator(1, alpha=0.5))
    xs = jnp.asarray([2.0, 2.0, 2.0, 2.0]).reshape(4, 1, 1)
    _, out = g(g.init_state((1,)), xs, burnin=2)
    assert out[:, 0, 0].tolist() == pytest.approx([1.75, 1.875])  # u = 1, 1.5 during burn-in

    def f(x0):
        return g(g.init_state((1,)), xs.at[0].set(x0), burnin=2)[1].sum()

    assert float(jax.grad(f)(2.0)) == 0.0  # the burn-in state carries no gradient
    assert float(jax.grad(lambda x: g(g.init_state((1,)), xs.at[0].set(x))[1].sum())(2.0)) > 0


@pytest.mark.parametrize(
    "structure, message",
    [
        (GraphStructure(2, (0,), (1,), ((), ())), "receives nothing"),
        (GraphStructure(2, (0,), (5,), ((), (0,))), "out of range"),
        (GraphStructure(3, (0,), (1,), ((), (0,))), "num_layers"),
    ],
)
def test_malformed_structures_raise(structure, message):
    layers = [LIFSoftReset(2), LIFSoftReset(2)] + ([LIFSoftReset(2)] if structure.num_layers == 3 else [])
    with pytest.raises(ValueError, match=message):
        Graph(layers[:2], structure)


def test_size_mismatch_on_a_feedback_edge_names_the_edge():
    key = jax.random.PRNGKey(0)
    with pytest.raises(ValueError, match="edge 2 -> 0"):
        Graph(
            [LIFSoftReset(3), Linear(3, 4, key=key), Linear(4, 2, key=key)],
            GraphStructure(3, (0,), (2,), ((2,), (0,), (1,))),
        )
