"""``openwebtext``: OpenWebText as nanoGPT prepares it (GPT-2 BPE tokens, uint16 ``train.bin`` / ``val.bin``).

Real data only (card P08 §4): the files are made by nanoGPT's ``data/openwebtext/prepare.py``
(which downloads OpenWebText and tokenises it with tiktoken's GPT-2 BPE, vocabulary 50257) on a
machine with network access, and placed at ``<data root>/openwebtext/{train,val}.bin``. Nothing
here downloads. There is no offline stand-in: a missing file raises :class:`DataError`.

:meth:`OpenWebText.arrays` memory-maps a split and returns ``(x, y)`` uint16 memory maps with ``y[i] = x[i + 1]``
(the same stream form as ``shakespeare-char``); ``test`` is the ``val.bin`` stream, as nanoGPT
has no test split.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from suite.data.dataset import Dataset, files_version
from suite.errors import DataError

VOCAB_SIZE = 50257
FILES = {"train": "train.bin", "val": "val.bin", "test": "val.bin"}
OBTAIN = (
    "run nanoGPT's data/openwebtext/prepare.py on a machine with network access and copy train.bin and val.bin "
    "into this folder (or `dvc pull datasets/openwebtext`)"
)


class OpenWebText(Dataset):
    name = "openwebtext"
    n_classes = VOCAB_SIZE
    splits = ("train", "val", "test")
    param_names = frozenset({"max_chars"})

    def verify(self, root: Path) -> None:
        for fname in sorted(set(FILES.values())):
            path = self.directory(root) / fname
            if not path.is_file():
                raise DataError(f"dataset '{self.name}': missing {path}; {OBTAIN}")
            if path.stat().st_size % 2 or path.stat().st_size == 0:
                raise DataError(f"dataset '{self.name}': {path} is not a non-empty uint16 token file; {OBTAIN}")

    def version(self, root: Path) -> str:
        self.verify(root)
        files = [self.directory(root) / f for f in sorted(set(FILES.values()))]
        return files_version(root, files, prefix="openwebtext:sha256")

    def arrays(self, root: Path, split: str, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        self.check_split(split)
        self.verify(root)
        ids = np.memmap(self.directory(root) / FILES[split], dtype=np.uint16, mode="r")
        n = params.get("max_chars")
        if n is not None:
            ids = ids[: int(n) + 1]
        return ids[:-1], ids[1:]  # uint16 memory maps: windows are copied (as int64) per batch


OPENWEBTEXT = OpenWebText()
