"""DVSGesture for few-shot learning (card P10 §4): tonic's on-disk layout, the user split, and an offline stand-in.

Provenance: IBM DVS128 Gesture (Amir et al. 2017, CVPR), 29 users x 11 gestures under several lighting
conditions, 128x128 DVS; tonic 1.7 ``DVSGesture`` reads its preprocessed release (figshare, never
downloaded here): ``<root>/dvsgesture/DVSGesture/ibmGesture{Train,Test}/user<NN>_<lighting>/<label>.npy``,
each an ``[N, 4]`` array of (x, y, p, t_ms); tonic also needs ``ibmGesture{Train,Test}.tar.gz`` beside the
folders (an empty placeholder is enough) and at least 100 ``.npy`` files.

Few-shot protocol (card P10 §4/§7, "actor+class"): a class is a (user, gesture) pair; users 1-23
meta-train (253 classes), users 24-29 meta-test (66 classes). A recording is cut into ``chunks``
consecutive windows of ``nb_steps`` x ``dt_ms``; each window is one sample. The repo stores ``labels =
user`` (card §7); this module implements the commented (user, gesture) version and says so.

Offline stand-in (``synthesize``, a suite choice): each gesture is a blob moving on a fixed trajectory
(circles cw/ccw, left/right waves, ...); each user shifts, scales and speeds it; events are emitted at
the blob's edge with polarity from the motion direction, plus background noise, in the tonic layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset, files_version
from suite.errors import DataError

SENSOR = 128
N_GESTURES = 11
TRAIN_USERS = range(1, 24)
TEST_USERS = range(24, 30)
LIGHTINGS = ("fluorescent", "led", "natural")
PARAMS: dict[str, Any] = {"nb_steps": 20, "dt_ms": 10, "chunks": 4, "pool": 16}


def _trajectory(gesture: int, t: np.ndarray, user_rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Blob centre (x, y) over time ``t`` in seconds for one gesture and one user's style."""
    cx, cy = 64 + user_rng.uniform(-12, 12, 2)
    r = 30 * user_rng.uniform(0.7, 1.2)
    w = 2 * np.pi * user_rng.uniform(0.8, 1.3)
    phase = w * t
    kind = gesture % 6
    sign = 1 if gesture < 6 else -1
    if kind == 0:  # circle
        return cx + r * np.cos(sign * phase), cy + r * np.sin(sign * phase)
    if kind == 1:  # horizontal wave
        return cx + r * np.sin(phase), cy + sign * 10 + 0 * t
    if kind == 2:  # vertical wave
        return cx + sign * 10 + 0 * t, cy + r * np.sin(phase)
    if kind == 3:  # diagonal
        return cx + r * np.sin(phase), cy + sign * r * np.sin(phase)
    if kind == 4:  # figure eight
        return cx + r * np.sin(phase), cy + sign * 0.5 * r * np.sin(2 * phase)
    return cx + 0.5 * r * np.cos(3 * sign * phase), cy + 0.5 * r * np.sin(2 * phase)  # drums-like


def synth_recording(gesture: int, user: int, lighting: int, seed: int, duration_ms: int) -> np.ndarray:
    """``[N, 4]`` int events (x, y, p, t_ms) of one synthetic recording."""
    user_rng = np.random.default_rng([seed, user])
    rng = np.random.default_rng([seed, user, gesture, lighting])
    t = np.arange(duration_ms) / 1000.0
    x, y = _trajectory(gesture, t, user_rng)
    vx = np.gradient(x)
    n_per_ms = 2
    tt = np.repeat(np.arange(duration_ms), n_per_ms)
    ang = rng.uniform(0, 2 * np.pi, tt.size)
    ex = np.clip(x[tt] + 6 * np.cos(ang), 0, SENSOR - 1)
    ey = np.clip(y[tt] + 6 * np.sin(ang), 0, SENSOR - 1)
    pol = (np.cos(ang) * vx[tt] > 0).astype(np.int64)
    noise = rng.random(tt.size) < 0.1
    ex[noise], ey[noise] = rng.uniform(0, SENSOR - 1, (2, int(noise.sum())))
    return np.stack([ex.astype(np.int32), ey.astype(np.int32), pol.astype(np.int32), tt.astype(np.int32)], axis=1)


class DVSGestureFewShot(Dataset):
    """DVSGesture (tonic layout) as (user, gesture) classes for few-shot episodes."""

    name = "dvsgesture"
    n_classes = 29 * N_GESTURES
    splits = ("meta-train", "meta-test")
    param_names = frozenset(PARAMS)

    def base(self, root: Path) -> Path:
        return self.directory(root) / "DVSGesture"

    def files(self, root: Path) -> list[Path]:
        return sorted(self.base(root).glob("ibmGesture*/user*_*/*.npy"))

    def verify(self, root: Path) -> None:
        for sub in ("ibmGestureTrain", "ibmGestureTest"):
            folder = self.base(root) / sub
            if not folder.is_dir() or not any(folder.glob("user*_*/*.npy")):
                raise DataError(
                    f"dataset '{self.name}': no recordings in {folder}; extract tonic's DVSGesture release "
                    f"({sub}.tar.gz from figshare) there, or run `neurorepro data synth {self.name}` for the stand-in"
                )

    def version(self, root: Path) -> str:
        self.verify(root)
        return files_version(root, self.files(root))

    def synthesize(self, root: Path, *, seed: int = 0, duration_ms: int = 1000, **kw: Any) -> list[Path]:
        """Write 29 users x 3 lightings x 11 gestures of synthetic recordings in tonic's layout."""
        if kw:
            raise DataError(f"dataset '{self.name}': unknown synthesize option(s) {', '.join(sorted(kw))}")
        written = []
        for sub, users in (("ibmGestureTrain", TRAIN_USERS), ("ibmGestureTest", TEST_USERS)):
            (self.base(root) / f"{sub}.tar.gz").parent.mkdir(parents=True, exist_ok=True)
            (self.base(root) / f"{sub}.tar.gz").touch()  # tonic only checks that the archive exists
            for u in users:
                for li, light in enumerate(LIGHTINGS):
                    folder = self.base(root) / sub / f"user{u:02d}_{light}"
                    folder.mkdir(parents=True, exist_ok=True)
                    for g in range(N_GESTURES):
                        path = folder / f"{g}.npy"
                        np.save(path, synth_recording(g, u, li, seed, duration_ms))
                        written.append(path)
        return written

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Windows ``[N, nb_steps, 2·(128/pool)²]`` (0/1) and class ids ``(user − 1)·11 + gesture``."""
        self.check_split(split)
        self.verify(root)
        p = {**PARAMS, **{k: params[k] for k in PARAMS if k in params}}
        nb, dt, chunks, pool = int(p["nb_steps"]), int(p["dt_ms"]), int(p["chunks"]), int(p["pool"])
        side = -(-SENSOR // pool)
        sub = "ibmGestureTrain" if split == "meta-train" else "ibmGestureTest"
        xs, ys = [], []
        for path in sorted((self.base(root) / sub).glob("user*_*/*.npy")):
            user = int(path.parent.name.split("_", 1)[0][4:])
            gesture = int(path.stem)
            try:
                ev = np.load(path)
            except (OSError, ValueError) as exc:
                raise DataError(f"dataset '{self.name}': cannot read {path} ({exc})") from exc
            if ev.ndim != 2 or ev.shape[1] != 4:
                raise DataError(f"dataset '{self.name}': {path} is not an [N, 4] event array")
            for c in range(chunks):
                t0 = c * nb * dt
                sel = (ev[:, 3] >= t0) & (ev[:, 3] < t0 + nb * dt)
                e = ev[sel].astype(np.int64)
                frame = np.zeros((nb, 2, side, side), dtype=np.float32)
                np.add.at(frame, ((e[:, 3] - t0) // dt, e[:, 2] & 1, e[:, 1] // pool, e[:, 0] // pool), 1.0)
                xs.append(np.minimum(frame, 1.0).reshape(nb, -1))
                ys.append((user - 1) * N_GESTURES + gesture)
        return np.stack(xs), np.asarray(ys, dtype=np.int64)


DVSGESTURE = DVSGestureFewShot()


def tonic_dataset(root: Path, train: bool = True) -> Any:
    """tonic's own reader over the same files (tonic is GPL-3.0-only: imported here only)."""
    try:
        import tonic
    except ImportError as exc:
        raise DataError(f"tonic is not installed ({exc}); `pip install tonic==1.7.0`") from exc
    DVSGESTURE.verify(root)
    return tonic.datasets.DVSGesture(save_to=str(DVSGESTURE.directory(root)), train=train)
