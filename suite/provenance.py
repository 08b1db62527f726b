"""Where a result came from: code version, package versions, machine, node.

The code version that enters every spec key is a content hash of the sources under ``suite/``
and ``implementations/`` (and ``pyproject.toml``): identical trees give identical keys whether
or not the tree is committed, and an edit to any source changes them. The git commit and a
dirty flag are recorded beside it in each record's ``env``. Documentation edits do not
invalidate results.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "neurorepro",
    "torch",
    "jax",
    "jaxlib",
    "numpy",
    "ray",
    "tonic",
    "pandas",
    "h5py",
    "scikit-learn",
    "equinox",
)
SOURCE_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".json"}


def package_root() -> Path:
    """The directory holding ``suite/`` and ``implementations/`` (the repository root)."""
    return Path(__file__).resolve().parent.parent


@functools.cache
def code_version(root: Path | None = None) -> str:
    """sha256 (16 hex) over the relative paths and contents of every source file."""
    root = package_root() if root is None else root
    h = hashlib.sha256()
    files = [root / "pyproject.toml"]
    for top in ("suite", "implementations"):
        files += [p for p in (root / top).rglob("*") if p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts]
    for p in sorted(f for f in files if f.is_file()):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@functools.cache
def git_state(root: Path | None = None) -> dict[str, Any]:
    root = package_root() if root is None else root
    sha = _git(root, "rev-parse", "HEAD")
    dirty = None
    if sha is not None:
        dirty = bool(_git(root, "status", "--porcelain", "--", "suite", "implementations", "pyproject.toml"))
    return {"git_sha": sha, "git_dirty": dirty}


@functools.cache
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.cache
def node_id() -> str:
    """A stable, hostname-free id of this machine (hash of /etc/machine-id, else of the MAC)."""
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            mid = Path(p).read_text().strip()
        except OSError:
            continue
        if mid:
            return hashlib.sha256(mid.encode()).hexdigest()[:12]
    import uuid

    return hashlib.sha256(str(uuid.getnode()).encode()).hexdigest()[:12]


@functools.cache
def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.cache
def driver_env() -> dict[str, Any]:
    """The environment fields the driver knows without importing torch, jax or ray."""
    import os

    return {
        **git_state(),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "node_id": node_id(),
    }


def worker_env() -> dict[str, Any]:
    """Fields only the process that ran the benchmark knows: its node, GPU and thread count."""
    env: dict[str, Any] = {"node_id": node_id(), "cpu": cpu_model(), "gpu": None}
    torch = sys.modules.get("torch")
    if torch is not None:
        env["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            env["gpu"] = torch.cuda.get_device_name(0)
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        try:
            env["ray_node_id"] = ray.get_runtime_context().get_node_id()
        except Exception:  # not inside a Ray worker
            env["ray_node_id"] = None
    return env
