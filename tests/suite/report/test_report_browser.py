"""index.html in headless Chromium: it renders offline, with the leaderboard and embedded figures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from suite.claims import Claim
from suite.report import build_report

CHROMIUM = next(
    (
        p
        for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
        if p and Path(p).exists()
    ),
    None,
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs it with `apt-get install chromium`)"
)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_index_renders_in_headless_chromium(store_table, tmp_path):
    claim = Claim("P01-1", "P01", "shd", "silif", "accuracy", 0.925, "fixture", verified=True)
    index = build_report(store_table, tmp_path / "report", claims=[claim], machine="ci")
    url = index.resolve().as_uri()
    shot = tmp_path / "shot.png"
    res = _chromium(f"--screenshot={shot}", "--window-size=1280,2000", url, profile=tmp_path / "profile-a")
    assert shot.is_file(), res.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a rendered page with tables and figures, not a blank one
    dom = _chromium("--dump-dom", url, profile=tmp_path / "profile-b")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert html.count('<table class="leaderboard">') == 3
    assert "<td>lif</td><td>ideal</td><td>paper</td>" in html.replace("\n", "")
    assert html.count('src="data:image/png;base64,') >= 5
    assert 'id="claim-P01-1"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
