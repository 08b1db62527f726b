"""GC-VSA: the grid code's identities (card P03 §6 "Identity tests") and hexagonal rate maps."""

from __future__ import annotations

import numpy as np
import pytest

from implementations.gcvsa.cube import cube_phases, gratings, neuron_rate_map, render_cube
from implementations.gcvsa.grid_code import encode_position, make_grid_code, position_phases
from implementations.gcvsa.gridness import gridness_score
from implementations.gcvsa.phasor import (
    attractor_cleanup,
    bind,
    bundle,
    cleanup,
    random_symbols,
    similarity,
    unbind,
    wrap,
)

#: A cube neuron counts as a grid cell above this gridness (usual criterion ~0.3; a perfect
#: three-wave lattice scores ~1.3; stated threshold of the suite).
GRIDNESS_THRESHOLD = 0.8


@pytest.fixture
def code():
    return make_grid_code(n_scales=3, n_orientations=2, lambda0=0.3, ratio=1.42, m=8)


def test_geometry_matches_card(code):
    np.testing.assert_allclose(code.scales, [0.3, 0.3, 0.426, 0.426, 0.60492, 0.60492])
    np.testing.assert_allclose(code.orientations, [0, np.pi / 6] * 3)
    # axis 1 of module 0 points at 120 degrees; |wavevector| = 2 pi / lambda
    np.testing.assert_allclose(code.wavevectors[0, 1], 2 * np.pi / 0.3 * np.array([-0.5, np.sqrt(3) / 2]))
    assert code.n_neurons == 6 * 8**3 == 3072
    # sum_j k_j = 0, so the three phases of any position sum to 0
    phi = position_phases(np.array([0.37, -1.2]), code)
    np.testing.assert_allclose(phi.sum(axis=-1), 0.0, atol=1e-12)


def test_hand_computed_phase(code):
    # module 0 (lambda 0.3, theta 0), axis 0 points along x: phi_0((0.075, 0.9)) = 2 pi 0.075 / 0.3 = pi / 2
    z = encode_position(np.array([0.075, 0.9]), code)
    np.testing.assert_allclose(z[0, 0], 1j, atol=1e-12)


def test_binding_adds_positions(code):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-2, 2, size=(2, 500, 2))
    err = np.abs(bind(encode_position(x, code), encode_position(y, code)) - encode_position(x + y, code))
    assert err.max() < 1e-6


def test_unbinding_recovers_item_exactly(code):
    rng = np.random.default_rng(1)
    a, b = random_symbols(rng, 2, code.n_modules)
    np.testing.assert_allclose(unbind(bind(a, b), b), a, atol=1e-12)
    assert similarity(unbind(bind(a, b), b), a) == pytest.approx(1.0, abs=1e-12)


def test_cleanup_of_bundle_finds_each_member():
    rng = np.random.default_rng(2)
    book = random_symbols(rng, 50, 128)
    memory = bundle(book[[3, 17, 41]])
    sims = similarity(memory[None], book)
    assert set(np.argsort(sims)[-3:]) == {3, 17, 41}
    assert cleanup(book[[7]] * 1.0, book)[0] == 7
    # random symbols are near-orthogonal: |sim| ~ 1/sqrt(2 * 384)
    assert abs(similarity(book[0], book[1])) < 0.15


def test_gratings_sum_to_zero_and_cube_dot_identity(code):
    rng = np.random.default_rng(3)
    phi, phi2 = rng.uniform(-np.pi, np.pi, size=(2, 3))
    np.testing.assert_allclose(gratings(phi, 8).sum(axis=-1), 0.0, atol=1e-12)
    a, b = render_cube(phi, 8), render_cube(phi2, 8)
    assert a.shape == (8, 8, 8)
    assert (a * b).sum() == pytest.approx(8**3 / 2 * np.cos(phi - phi2).sum(), rel=1e-12)
    np.testing.assert_allclose(wrap(cube_phases(a) - phi), 0.0, atol=1e-12)
    # the hand-computed corner neuron: A[0,0,0] = sum_j cos(phi_j)
    assert a[0, 0, 0] == pytest.approx(np.cos(phi).sum())


def test_attractor_projects_onto_manifold(code):
    rng = np.random.default_rng(4)
    z = encode_position(np.array([0.3, 0.4]), code)
    noisy = 0.7 * z * np.exp(1j * rng.normal(0, 0.05, size=z.shape))
    clean = attractor_cleanup(noisy)
    np.testing.assert_allclose(np.abs(clean), 1.0)
    np.testing.assert_allclose(wrap(np.angle(clean).sum(axis=-1)), 0.0, atol=1e-12)
    # a state already on the manifold is a fixed point
    np.testing.assert_allclose(attractor_cleanup(z), z, atol=1e-12)


def test_cube_neurons_are_hexagonal(code):
    res = 120
    px = code.scales[0] / (1.0 / (res - 1))
    for idx in [(0, 0, 0), (1, 5, 2), (7, 3, 4)]:
        rm = neuron_rate_map(code.wavevectors[0], idx, code.m, 1.0, res)
        assert gridness_score(rm, 0.5 * px, 1.6 * px) > GRIDNESS_THRESHOLD


def test_gridness_rejects_square_and_stripes():
    xs = np.linspace(0, 1, 120)
    gx, gy = np.meshgrid(xs, xs)
    px = 0.3 * 119
    square = np.cos(2 * np.pi * gx / 0.3) + np.cos(2 * np.pi * gy / 0.3)
    stripes = np.cos(2 * np.pi * gx / 0.3)
    assert gridness_score(square, 0.5 * px, 1.6 * px) < 0.0
    assert gridness_score(stripes, 0.5 * px, 1.6 * px) < 0.3
