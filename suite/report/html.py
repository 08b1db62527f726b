"""``index.html``: one self-contained page (inline CSS, PNGs as base64 data URIs, no scripts).

Every string that comes from a plan, a record or a plugin (task, model, emulator and scale
names, claim text, figure titles, error notes, machine names) passes through :func:`esc`
(``html.escape`` with quotes), so a model named ``<script>...`` is shown, never run.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

import pandas as pd

from suite.claims import Comparison
from suite.report.claims_table import HEADER as CLAIMS_HEADER
from suite.report.claims_table import SHD_NOTE, VERDICT_LEGEND, claims_cells, verdict_counts
from suite.report.figures import FigureFile, FigureNote
from suite.report.leaderboard import LEGEND, PARETO_DEFINITION, leaderboard_cells

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem;color:#1b1b1b;max-width:1600px}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.85rem}
th,td{border:1px solid #d0d0d0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.v-reproduced{color:#0a6b2d;font-weight:600}.v-below,.v-above{color:#a11;font-weight:600}
.v-smoke-only,.v-qualitative{color:#8a5a00}.v-not-run{color:#777}
figure{display:inline-block;margin:.5rem;vertical-align:top}figure img{max-width:620px;border:1px solid #ddd}
figcaption{font-size:.8rem;color:#444}
.notes li{color:#666;font-size:.85rem}
dl.legend dt{font-weight:600}dl.legend dd{margin:0 0 .4rem 1rem;font-size:.85rem}
"""


def esc(value: object) -> str:
    """HTML-escape any value as text (quotes included)."""
    return escape("" if value is None else str(value), quote=True)


def _table(header: Sequence[str], body: Sequence[Sequence[str]], *, cls: str, num_from: int = 3) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    rows = []
    for cells in body:
        tds = []
        for i, cell in enumerate(cells):
            klass = ' class="num"' if i >= num_from else ""
            tds.append(f"<td{klass}>{esc(cell)}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _claims_table(comparisons: Sequence[Comparison]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in CLAIMS_HEADER)
    i_verdict = CLAIMS_HEADER.index("verdict")
    rows = []
    for c in comparisons:
        tds = []
        for i, cell in enumerate(claims_cells(c)):
            klass = f' class="v-{cell.replace(" ", "-")}"' if i == i_verdict else ""
            tds.append(f"<td{klass}>{esc(cell)}</td>")
        rows.append(f'<tr id="claim-{esc(c.claim.id)}">' + "".join(tds) + "</tr>")
    return f'<table class="claims"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _figure(f: FigureFile, base: Path) -> str:
    data = base64.b64encode(f.png.read_bytes()).decode("ascii")
    svg = ""
    if f.svg is not None:
        href = Path(os.path.relpath(f.svg, base)).as_posix()
        svg = f' · <a href="{esc(href)}">SVG</a>'
    return (
        f'<figure><img alt="{esc(f.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(f.title)}{svg}</figcaption></figure>"
    )


def render_html(
    tables: Mapping[str, tuple[pd.DataFrame, str | None]],
    comparisons: Sequence[Comparison],
    figures: Sequence[FigureFile],
    notes: Sequence[FigureNote],
    *,
    base: Path,
    machine: str,
    generated_at: str,
    summary: Mapping[str, object],
) -> str:
    """The page's HTML text."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>NeuroRepro report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>NeuroRepro report</h1>",
        f'<p class="meta">Generated {esc(generated_at)} on {esc(machine)}. '
        + " · ".join(f"{esc(k)}: {esc(v)}" for k, v in summary.items())
        + "</p>",
        '<nav><a href="#leaderboard">Leaderboard</a> · <a href="#claims">Claims</a> · '
        '<a href="#figures">Figures</a> · <a href="#legend">Legend</a></nav>',
        '<h2 id="leaderboard">Leaderboard</h2>',
        f"<p>{esc(PARETO_DEFINITION)}</p>",
    ]
    if not tables:
        parts.append("<p>No results in the store.</p>")
    for task, (rows, primary) in tables.items():
        header, body = leaderboard_cells(rows, primary)
        parts.append(f'<h3>{esc(task)}</h3><p class="meta">Primary metric: {esc(primary or "none measured")}</p>')
        parts.append(_table(header, body, cls="leaderboard"))
    counts = verdict_counts(comparisons)
    parts += [
        '<h2 id="claims">Claims: published vs reproduced</h2>',
        "<p>" + ", ".join(f"{esc(v)}: {n}" for v, n in counts.items()) + f" (of {len(comparisons)} claims)</p>",
        f"<p><em>{esc(SHD_NOTE)}</em></p>",
        _claims_table(comparisons) if comparisons else "<p>No claims registered.</p>",
        '<h2 id="figures">Figures</h2>',
    ]
    parts += [_figure(f, base) for f in figures] or ["<p>No figures.</p>"]
    if notes:
        parts.append('<h3>Figures not drawn</h3><ul class="notes">')
        parts += [f"<li>{esc(n.title)}: {esc(n.reason)}</li>" for n in notes]
        parts.append("</ul>")
    parts.append('<h2 id="legend">Legend</h2><dl class="legend">')
    for k, v in {**LEGEND, **{f"verdict: {k}": v for k, v in VERDICT_LEGEND.items()}}.items():
        parts.append(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>")
    parts.append("</dl></body></html>")
    return "\n".join(parts)
