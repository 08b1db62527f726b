"""CIFAR-100 in torchvision's python-pickle layout, read by the suite's own reader, and a synthetic
stand-in written in exactly that layout (card P02 §4, §7).

Layout under ``<root>/cifar100/cifar-100-python/``: ``train``, ``test`` and ``meta`` are pickles
(protocol 2+, ``encoding="latin1"`` compatible) of dicts with ``data`` (uint8 ``[N, 3072]``, rows
of 1024 R, 1024 G, 1024 B values, row-major 32x32), ``fine_labels`` and ``coarse_labels`` (lists
of int) and ``filenames``; ``meta`` holds ``fine_label_names`` (100) and ``coarse_label_names``
(20). The real files (50,000 train / 10,000 test) come from
https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz (unpack into ``<root>/cifar100/``), or
``dvc pull datasets/cifar100``. torchvision's ``CIFAR100`` checks md5s even with
``download=False`` (card §7), so synthetic files would fail it: this reader does not use
torchvision. Class order of the 5x20 protocol: ``torch.randperm(100, generator=manual_seed(5))``
(repo ``cassle_s5``) frozen below as a list.

The synthetic stand-in (``synthesize``): ``per_class`` images per fine class (20 train, 5 test by
default), each a class template (a seeded random 4x4 colour grid blown up to 32x32) plus pixel
noise, so classes are learnable; coarse label = fine // 5. Arrays are float32 ``[N, 3, 32, 32]``
in [0, 1].
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset, files_version
from suite.errors import DataError

FILES = ("train", "test", "meta")
SUBDIR = "cifar-100-python"
HOW_TO_GET = (
    "download https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz and unpack it into {dir} "
    "(or `dvc pull datasets/cifar100`); for an offline stand-in run `neurorepro data synth cifar100`"
)

#: ``torch.randperm(100, generator=torch.Generator().manual_seed(5))`` under torch 2.13 (card P02 §3).
CLASS_ORDER = (
    11, 22, 39, 23, 42, 30, 78, 81, 64, 20, 29, 79, 15, 69, 86, 63, 55, 53, 73, 68,
    89, 67, 58, 97, 96, 92, 37, 14, 75, 51, 54, 7, 3, 6, 50, 40, 45, 4, 83, 98,
    27, 12, 8, 99, 60, 87, 28, 5, 84, 34, 82, 16, 72, 49, 59, 31, 71, 35, 66, 76,
    61, 17, 36, 62, 13, 2, 38, 94, 80, 19, 25, 18, 0, 1, 46, 74, 85, 91, 52, 77,
    21, 33, 32, 88, 93, 70, 44, 47, 26, 57, 90, 95, 48, 65, 43, 10, 9, 56, 24, 41,
)  # fmt: skip


class _ArraysOnly(pickle.Unpickler):
    """CIFAR's pickles hold dicts of lists, bytes and NumPy arrays; refuse any other class, so a
    tampered file cannot run code when it is read."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}  # fmt: skip

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of the CIFAR layout")


def _load_pickle(path: Path, how: str) -> dict:
    if not path.is_file():
        raise DataError(f"CIFAR-100 file {path} is missing; {how}")
    try:
        with path.open("rb") as fh:
            return _ArraysOnly(fh, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError) as exc:
        raise DataError(f"CIFAR-100 file {path} is corrupt ({type(exc).__name__}: {exc}); {how}") from exc


class CIFAR100(Dataset):
    name = "cifar100"
    n_classes = 100
    splits = ("train", "test")
    param_names = frozenset({"max_samples"})
    class_order = CLASS_ORDER

    def _dir(self, root: Path) -> Path:
        return self.directory(root) / SUBDIR

    def _how(self, root: Path) -> str:
        return HOW_TO_GET.format(dir=self.directory(root))

    def read(self, root: Path, split: str) -> dict:
        """The raw dict of one split file, validated."""
        self.check_split(split)
        path = self._dir(root) / split
        d = _load_pickle(path, self._how(root))
        data = d.get("data")
        labels = d.get("fine_labels")
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
            raise DataError(f"CIFAR-100 file {path}: 'data' must be uint8 [N, 3072]; {self._how(root)}")
        if labels is None or len(labels) != data.shape[0]:
            raise DataError(f"CIFAR-100 file {path}: 'fine_labels' missing or of the wrong length; {self._how(root)}")
        y = np.asarray(labels, dtype=np.int64)
        if y.min() < 0 or y.max() >= 100:
            raise DataError(f"CIFAR-100 file {path}: fine labels outside 0..99; {self._how(root)}")
        return d

    def verify(self, root: Path) -> None:
        for split in self.splits:
            self.read(root, split)
        meta = _load_pickle(self._dir(root) / "meta", self._how(root))
        if len(meta.get("fine_label_names", [])) != 100:
            raise DataError(f"CIFAR-100 file {self._dir(root) / 'meta'}: needs 100 fine_label_names")

    def version(self, root: Path) -> str:
        files = [self._dir(root) / f for f in FILES]
        for f in files:
            if not f.is_file():
                raise DataError(f"CIFAR-100 file {f} is missing; {self._how(root)}")
        return files_version(Path(root), files)

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Images float32 ``[N, 3, 32, 32]`` in [0, 1] and fine labels int64 ``[N]``."""
        d = self.read(root, split)
        x = d["data"].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
        y = np.asarray(d["fine_labels"], dtype=np.int64)
        n = params.get("max_samples")
        if n is not None:
            x, y = x[: int(n)], y[: int(n)]
        return x, y

    def synthesize(
        self, root: Path, *, seed: int = 0, per_class: int = 20, per_class_test: int = 5, **kw: Any
    ) -> list[Path]:
        """Write class-conditional synthetic images in the exact pickle layout; return the files."""
        if kw:
            raise DataError(f"dataset 'cifar100': unknown synthesis options {sorted(kw)}")
        rng = np.random.default_rng(seed)
        out = self._dir(root)
        out.mkdir(parents=True, exist_ok=True)
        # one low-frequency colour pattern per class: a 4x4 RGB grid blown up to 32x32
        low = rng.uniform(0, 1, size=(100, 3, 4, 4))
        templates = low.repeat(8, axis=2).repeat(8, axis=3)  # [100, 3, 32, 32]
        written = []
        for split, n in (("train", per_class), ("test", per_class_test)):
            y = np.repeat(np.arange(100), n)
            rng.shuffle(y)
            x = templates[y] + rng.normal(0, 0.1, size=(len(y), 3, 32, 32))
            data = (np.clip(x, 0, 1) * 255).round().astype(np.uint8).reshape(len(y), 3072)
            d = {
                "filenames": [f"synthetic_{split}_{i}.png" for i in range(len(y))],
                "batch_label": f"synthetic {split} batch",
                "fine_labels": y.tolist(),
                "coarse_labels": (y // 5).tolist(),
                "data": data,
            }
            path = out / split
            with path.open("wb") as fh:
                pickle.dump(d, fh, protocol=2)
            written.append(path)
        meta = {
            "fine_label_names": [f"class_{i:02d}" for i in range(100)],
            "coarse_label_names": [f"superclass_{i:02d}" for i in range(20)],
        }
        with (out / "meta").open("wb") as fh:
            pickle.dump(meta, fh, protocol=2)
        written.append(out / "meta")
        digest = hashlib.sha256(b"".join(p.read_bytes()[:64] for p in written)).hexdigest()[:8]
        (self.directory(root) / "SYNTHETIC").write_text(f"synthetic stand-in, seed {seed}, {digest}\n")
        return written


CIFAR100_DATA = CIFAR100()
