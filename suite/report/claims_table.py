"""The claims table: every published claim beside the reproduced value and its verdict.

Cells are produced once (:func:`claims_cells`) and rendered as Markdown (``claims.md``) here and
as HTML in :mod:`suite.report.html`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from suite.claims import VERDICTS, Comparison
from suite.report.leaderboard import fmt_number, is_accuracy, markdown_table, md_escape

SHD_NOTE = (
    "SHD has no validation split: the suite selects models (learning-rate schedule, early stopping) "
    "on a validation split carved from the training set, whereas the original code selected on the "
    "test set, so reproduced SHD numbers can sit below published ones."
)

VERDICT_LEGEND = {
    "reproduced": "runs at the claim's scale; |mean − claimed| ≤ claimed std + tolerance (bounds: on the right side)",
    "below": "runs at the claim's scale; mean below the tolerance band",
    "above": "runs at the claim's scale; mean above the tolerance band",
    "qualitative": "runs exist, but the card gives no number to compare with",
    "smoke only": "runs only at other scales (e.g. smoke); nothing at the claim's scale",
    "not run": "no ok run of the task/model/emulator measured the metric",
}

HEADER = [
    "id",
    "task",
    "model",
    "emulator",
    "scale",
    "metric",
    "claimed",
    "as published",
    "reproduced mean ± std (n)",
    "difference",
    "produced at",
    "tolerance",
    "verdict",
    "verified",
    "source",
    "notes",
]


def _kind(metric: str) -> str:
    return "percent" if is_accuracy(metric) else "plain"


def _claimed(c: Comparison) -> str:
    claim = c.claim
    if claim.value is None:
        return "no number"
    kind = _kind(claim.metric)
    unit = " %" if kind == "percent" else ""
    rel = {"=": "", ">=": "≥ ", "<=": "≤ "}[claim.relation]
    std = f" ± {fmt_number(claim.std, kind)}" if claim.std is not None else ""
    return f"{rel}{fmt_number(claim.value, kind)}{std}{unit}"


def _reproduced(c: Comparison) -> str:
    if not c.n:
        return "–"
    kind = _kind(c.claim.metric)
    unit = " %" if kind == "percent" else ""
    return f"{fmt_number(c.mean, kind)} ± {fmt_number(c.std, kind)}{unit} (n={c.n})"


def _difference(c: Comparison) -> str:
    d = c.difference
    if d != d:  # NaN
        return "–"
    if _kind(c.claim.metric) == "percent":
        return f"{d * 100:+.2f} pp"
    return f"{d:+.4g}"


def _tolerance(c: Comparison) -> str:
    if c.tolerance is None or c.claim.value is None:
        return "–"
    if c.tolerance.kind == "abs" and _kind(c.claim.metric) == "percent":
        return f"±{c.tolerance.value * 100:g} pp"
    return str(c.tolerance)


def _notes(c: Comparison) -> str:
    notes = [c.claim.note] if c.claim.note else []
    if c.claim.config:
        notes.append(c.claim.config)
    if c.verdict == "smoke only":
        notes.append(f"ran at: {', '.join(c.other_scales)}")
    if c.claim.task == "shd" or c.claim.task.startswith("shd-"):
        notes.append("SHD: selection on a validation split from train (original code: on test)")
    return "; ".join(notes)


def claims_cells(c: Comparison) -> list[str]:
    """One row of the claims table (strings, unescaped) in :data:`HEADER` order."""
    claim = c.claim
    return [
        claim.id,
        claim.task,
        claim.model,
        claim.emulator,
        claim.scale,
        claim.metric,
        _claimed(c),
        claim.value_as_published,
        _reproduced(c),
        _difference(c),
        c.scale or (", ".join(c.other_scales) if c.other_scales else "–"),
        _tolerance(c),
        c.verdict,
        "yes" if claim.verified else "no",
        claim.source,
        _notes(c),
    ]


def verdict_counts(comparisons: Sequence[Comparison]) -> dict[str, int]:
    counts = Counter(c.verdict for c in comparisons)
    return {v: counts.get(v, 0) for v in VERDICTS}


def claims_markdown(comparisons: Sequence[Comparison]) -> str:
    """``claims.md``: a verdict summary, one table per paper, the verdict legend and the SHD note."""
    parts = ["# Claims: published vs reproduced", ""]
    counts = verdict_counts(comparisons)
    parts.append(", ".join(f"{v}: {n}" for v, n in counts.items()) + f" (of {len(comparisons)} claims)")
    parts += ["", f"> {SHD_NOTE}", ""]
    by_paper: dict[str, list[Comparison]] = {}
    for c in comparisons:
        by_paper.setdefault(c.claim.paper, []).append(c)
    for paper, rows in by_paper.items():
        parts += [f"## {md_escape(paper)}", "", markdown_table(HEADER, [claims_cells(c) for c in rows]), ""]
    if not comparisons:
        parts += ["_No claims registered._", ""]
    parts += ["## Verdicts", ""] + [f"- **{k}**: {v}" for k, v in VERDICT_LEGEND.items()]
    parts += [
        "",
        "Accuracies are compared as fractions and shown in %; tolerances per metric are the table "
        "`suite.claims.TOLERANCES` (accuracy ±1 pp absolute, counts ±1 % relative).",
    ]
    return "\n".join(parts) + "\n"
