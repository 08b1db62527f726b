"""The spatio-temporal ("what-where-when") memory (card P03 §3 "Spatio-temporal memory").

A scene of objects ``o`` at positions ``x_o`` and integer times ``t_o`` is stored in one bundle
``M = sum_o O_o (.) P(x_o) (.) T(t_o)`` with random object symbols ``O_o`` and the time code
``T(t) = B^t`` (random base phases). Queries:

* where was o at t:   ``M (.) O_o* (.) T(t)*`` -> decode a position;
* when was o at x:    ``M (.) O_o* (.) P(x)*`` -> cleanup against ``T(0..n_times-1)``;
* what is at x at t:  ``M (.) P(x)* (.) T(t)*`` -> cleanup against the object codebook.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from implementations.gcvsa.decode import decode_position
from implementations.gcvsa.grid_code import GridCode, encode_position
from implementations.gcvsa.phasor import bind, bundle, cleanup, power, random_symbols, unbind


class Scene(NamedTuple):
    """``n`` objects with positions ``[n, 2]`` in the unit box and integer times ``[n]``."""

    positions: np.ndarray
    times: np.ndarray


class SceneCodes(NamedTuple):
    """The symbols a memory uses: object codebook ``[n, K, 3]`` and time base ``[K, 3]``."""

    objects: np.ndarray
    time_base: np.ndarray


def random_scene(rng: np.random.Generator, n_objects: int, n_times: int = 100, extent: float = 1.0) -> Scene:
    """Card P03 §4 "Scenes": uniform positions in the box, random integer times in ``[0, n_times)``."""
    return Scene(rng.uniform(0.0, extent, size=(n_objects, 2)), rng.integers(0, n_times, size=n_objects))


def scene_codes(rng: np.random.Generator, n_objects: int, code: GridCode) -> SceneCodes:
    objects = random_symbols(rng, n_objects, code.n_modules)
    base = random_symbols(rng, 1, code.n_modules)[0]
    return SceneCodes(objects, base)


def store(scene: Scene, codes: SceneCodes, code: GridCode) -> np.ndarray:
    """``M = sum_o O_o (.) P(x_o) (.) T(t_o)``: ``[K, 3]``."""
    items = bind(bind(codes.objects, encode_position(scene.positions, code)), power(codes.time_base, scene.times))
    return bundle(items, axis=0)


def query_where(memory: np.ndarray, codes: SceneCodes, scene: Scene, code: GridCode, **decode_kw) -> np.ndarray:
    """Decoded position of every object at its time: ``[n, 2]``."""
    z = unbind(unbind(memory[None], codes.objects), power(codes.time_base, scene.times))
    return decode_position(z, code, **decode_kw)


def query_when(memory: np.ndarray, codes: SceneCodes, scene: Scene, code: GridCode, n_times: int = 100) -> np.ndarray:
    """Decoded time of every object at its position: ``[n]`` integers."""
    z = unbind(unbind(memory[None], codes.objects), encode_position(scene.positions, code))
    return cleanup(z, power(codes.time_base, np.arange(n_times)))


def query_what(memory: np.ndarray, codes: SceneCodes, scene: Scene, code: GridCode) -> np.ndarray:
    """Index of the object found at each stored (position, time): ``[n]``."""
    z = unbind(unbind(memory[None], encode_position(scene.positions, code)), power(codes.time_base, scene.times))
    return cleanup(z, codes.objects)
