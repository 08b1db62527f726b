"""Hinton's family trees and their role-filler memories (card P03 §3 "Family trees").

The data (``family_tree.json``, shipped): the English 12-person tree of the card [unverified:
from memory] and an isomorphic copy with generic names, 24 people. The 12 relations (father,
mother, husband, wife, son, daughter, uncle, aunt, brother, sister, nephew, niece) are derived
from the couples and children; a triple ``(a, r, b)`` reads "b is the r of a".

Reference encoding (suite choice, card §3): people and relations are random symbols; one memory
per relation ``M_r = sum_{(a, b) in r} S(a) (.) pi(S(b))`` with a fixed random permutation ``pi``
of the phasor components marking the filler role; the query ``(a, r, ?)`` is
``pi^-1(M_r (.) S(a)*)`` cleaned up against all people with similarity above 0.5. Composition:
``grandparent = parent o parent`` (a query, a cleanup, then the same query on each answer) with
``M_parent = M_father + M_mother``. Analogy: people on an abstract 2-D map (lineage x generation,
``map_scale`` metres per step) coded with ``P(.)``; the copy family sits at offset ``D``, and the
counterpart of X is ``P(x_X) (.) P(D)`` cleaned up against the copy family.
"""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import resources
from typing import NamedTuple

import numpy as np

from implementations.gcvsa.grid_code import GridCode, encode_position
from implementations.gcvsa.phasor import cleanup, cleanup_set, random_symbols, unbind

RELATIONS = (
    "father", "mother", "husband", "wife", "son", "daughter",
    "uncle", "aunt", "brother", "sister", "nephew", "niece",
)  # fmt: skip


class FamilyTree(NamedTuple):
    """People (names), their sex, map coordinates, family index and the relation triples."""

    people: tuple[str, ...]
    sex: dict[str, str]
    coords: dict[str, tuple[float, float]]
    family: dict[str, int]
    triples: tuple[tuple[str, str, str], ...]  # (a, relation, b): b is the relation of a


def _one_family(doc: dict, suffix: str) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    rename = {p: p + suffix for p in doc["people"]}
    sex = {rename[p]: s for p, s in doc["people"].items()}
    spouse = {}
    for a, b in doc["couples"]:
        spouse[rename[a]], spouse[rename[b]] = rename[b], rename[a]
    parents: dict[str, list[str]] = defaultdict(list)
    for couple, kids in doc["children"].items():
        for kid in kids:
            parents[rename[kid]] = [rename[p] for p in couple.split("+")]
    return sex, spouse, parents


def derive_triples(
    sex: dict[str, str], spouse: dict[str, str], parents: dict[str, list[str]]
) -> list[tuple[str, str, str]]:
    """All ``(a, r, b)`` of the 12 relations from sex, spouses and parents."""
    children: dict[str, list[str]] = defaultdict(list)
    for kid, ps in parents.items():
        for p in ps:
            children[p].append(kid)

    def siblings(a: str) -> set[str]:
        if a not in parents:
            return set()
        return {k for p in parents[a] for k in children[p]} - {a}

    def piblings(a: str) -> set[str]:  # uncles and aunts, blood or by marriage
        out = set()
        for p in parents.get(a, []):
            for s in siblings(p):
                out.add(s)
                if s in spouse:
                    out.add(spouse[s])
        return out

    out = set()
    for a in sex:
        rel: dict[str, set[str]] = {
            "parent": set(parents.get(a, [])),
            "spouse": {spouse[a]} if a in spouse else set(),
            "child": set(children.get(a, [])),
            "pibling": piblings(a),
            "sibling": siblings(a),
            "nibling": {n for n in sex if a in piblings(n)},
        }
        names = {
            "parent": ("father", "mother"), "spouse": ("husband", "wife"), "child": ("son", "daughter"),
            "pibling": ("uncle", "aunt"), "sibling": ("brother", "sister"), "nibling": ("nephew", "niece"),
        }  # fmt: skip
        for kind, bs in rel.items():
            for b in bs:
                out.add((a, names[kind][0 if sex[b] == "m" else 1], b))
    return sorted(out)


def load_family_tree() -> FamilyTree:
    """The shipped two-family tree (24 people) with all derived relation triples."""
    doc = json.loads(resources.files("implementations.gcvsa").joinpath("family_tree.json").read_text())
    sex, family, coords, triples = {}, {}, {}, []
    for f in range(int(doc["copies"])):
        suffix = "" if f == 0 else f"-{chr(ord('A') + f)}"
        s, sp, par = _one_family(doc, suffix)
        sex.update(s)
        family.update({p: f for p in s})
        coords.update({p + suffix: tuple(map(float, c)) for p, c in doc["map"].items()})
        triples += derive_triples(s, sp, par)
    return FamilyTree(tuple(sex), sex, coords, family, tuple(triples))


class RelationMemory(NamedTuple):
    """Symbols and one memory per relation."""

    people: np.ndarray  # [P, K, 3]
    permutation: np.ndarray  # [3K] the filler-role permutation pi
    memories: dict[str, np.ndarray]  # relation -> [K, 3]


def permute(z: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """``pi(z)``: permute the flattened phasor components of ``z [..., K, 3]``."""
    flat = z.reshape(*z.shape[:-2], -1)
    return flat[..., perm].reshape(z.shape)


def inverse_permute(z: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """``pi^-1(z)``."""
    return permute(z, np.argsort(perm))


def build_memories(tree: FamilyTree, n_modules: int, rng: np.random.Generator) -> RelationMemory:
    """``M_r = sum_{(a, b) in r} S(a) (.) pi(S(b))`` for each relation."""
    people = random_symbols(rng, len(tree.people), n_modules)
    perm = rng.permutation(3 * n_modules)
    idx = {p: i for i, p in enumerate(tree.people)}
    memories = {r: np.zeros((n_modules, 3), dtype=complex) for r in RELATIONS}
    for a, r, b in tree.triples:
        memories[r] += people[idx[a]] * permute(people[idx[b]], perm)
    return RelationMemory(people, perm, memories)


def query(mem: RelationMemory, memory: np.ndarray, a: int, threshold: float = 0.5) -> set[int]:
    """Answer set of ``(a, r, ?)``: ``pi^-1(M_r (.) S(a)*)`` cleaned up above ``threshold``."""
    return cleanup_set(inverse_permute(unbind(memory, mem.people[a]), mem.permutation), mem.people, threshold)


def relation_queries(tree: FamilyTree) -> dict[tuple[int, str], set[int]]:
    """Every ``(a, r)`` with at least one answer, and its true answer set (people as indices)."""
    idx = {p: i for i, p in enumerate(tree.people)}
    answers: dict[tuple[int, str], set[int]] = defaultdict(set)
    for a, r, b in tree.triples:
        answers[(idx[a], r)].add(idx[b])
    return dict(answers)


def grandparents(tree: FamilyTree) -> dict[int, set[int]]:
    """True grandparents (parents of parents) of everyone who has any."""
    par: dict[int, set[int]] = defaultdict(set)
    for (a, r), bs in relation_queries(tree).items():
        if r in ("father", "mother"):
            par[a] |= bs
    out = {a: {g for p in ps for g in par.get(p, set())} for a, ps in par.items()}
    return {a: gs for a, gs in out.items() if gs}


def composed_grandparents(mem: RelationMemory, a: int, threshold: float = 0.5) -> set[int]:
    """``grandparent = parent o parent``: query M_parent, clean up, query again with each answer."""
    m_parent = mem.memories["father"] + mem.memories["mother"]
    return {g for p in query(mem, m_parent, a, threshold) for g in query(mem, m_parent, p, threshold)}


def analogy_accuracy(tree: FamilyTree, code: GridCode, map_scale: float = 0.1, offset: float = 0.35) -> float:
    """Fraction of family-0 people whose counterpart ``P(x_X) (.) P(D)`` cleans up to their copy."""
    first = [p for p in tree.people if tree.family[p] == 0]
    second = [p for p in tree.people if tree.family[p] == 1]
    d = np.array([offset, offset])
    x1 = np.array([tree.coords[p] for p in first]) * map_scale
    x2 = np.array([tree.coords[p] for p in second]) * map_scale + d
    found = cleanup(encode_position(x1, code) * encode_position(d, code)[None], encode_position(x2, code))
    want = np.array([second.index(p + "-B") for p in first])
    return float(np.mean(found == want))
