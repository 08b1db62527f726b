"""Byte accounting of what a backward pass keeps: autograd's saved tensors and checkpoint stores.

On CPU there is no local/remote memory split, so the split is emulated and *counted* (card P05
§6): every tensor autograd saves goes through ``torch.autograd.graph.saved_tensors_hooks``
(:meth:`Accountant.hooks`); a binary tensor (spikes) is packed sparsely as int32 flat indices
plus a 4-byte count (the IPU baseline's ``SparseBinaryVec`` layout, card P05 §3), anything else
densely. The packed handle is freed when autograd releases it (after its node's backward), so
``live`` bytes rise and fall as on a device. Parameters are resident, not saved: they are
passed through uncounted.

Checkpoints go to a :class:`CheckpointStore` (``local`` or ``remote``); remote writes and reads
add to the traffic counter. The measured local peak is the maximum over time of saved-tensor
bytes plus local checkpoint bytes.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import Tensor

INDEX_BYTES = 4
COUNT_BYTES = 4


def is_binary(t: Tensor) -> bool:
    return t.is_floating_point() and bool(((t == 0) | (t == 1)).all())


def tensor_bytes(t: Tensor) -> int:
    """Bytes of ``t`` as stored: sparse (indices + count) when binary, dense otherwise."""
    if is_binary(t):
        return int(torch.count_nonzero(t)) * INDEX_BYTES + COUNT_BYTES
    return t.numel() * t.element_size()


class _Sparse:
    """A binary tensor kept as flat int32 indices of its ones."""

    def __init__(self, t: Tensor) -> None:
        self.shape, self.dtype = t.shape, t.dtype
        self.idx = torch.nonzero(t.reshape(-1)).reshape(-1).to(torch.int32)

    def dense(self) -> Tensor:
        out = torch.zeros(self.shape, dtype=self.dtype).reshape(-1)
        out[self.idx.long()] = 1
        return out.reshape(self.shape)


class _Handle:
    __slots__ = ("payload", "__weakref__")

    def __init__(self, payload: object) -> None:
        self.payload = payload


@dataclass
class CheckpointStore:
    """Named checkpoints of states (tuples of tensors); spikes kept sparse, bytes counted."""

    kind: str  # "local" or "remote"
    accountant: Accountant
    items: dict[int, tuple[object, ...]] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)
    traffic_bytes: int = 0
    writes: int = 0

    @property
    def bytes(self) -> int:
        return sum(self.sizes.values())

    def put(self, t: int, state: tuple[Tensor, ...], sparse: tuple[bool, ...]) -> None:
        """Store ``state``; components flagged in ``sparse`` (spikes) as index lists, the rest dense."""
        packed = tuple(_Sparse(x) if sp else x.detach().clone() for x, sp in zip(state, sparse, strict=True))
        size = sum(tensor_bytes(x) if sp else x.numel() * x.element_size() for x, sp in zip(state, sparse, strict=True))
        self.items[t], self.sizes[t] = packed, size
        self.writes += 1
        if self.kind == "remote":
            self.traffic_bytes += size
        self.accountant.observe()

    def get(self, t: int) -> tuple[Tensor, ...]:
        if self.kind == "remote":
            self.traffic_bytes += self.sizes[t]
        return tuple(x.dense() if isinstance(x, _Sparse) else x.clone() for x in self.items[t])

    def drop(self, t: int) -> None:
        del self.items[t], self.sizes[t]


class Accountant:
    """Live bytes of saved tensors, local/remote checkpoint stores, and the local peak."""

    def __init__(self, resident: tuple[Tensor, ...] = ()) -> None:
        self._resident = {t.untyped_storage().data_ptr() for t in resident}
        self.saved_live = 0
        self.saved_total = 0
        self.local_peak = 0
        self.local = CheckpointStore("local", self)
        self.remote = CheckpointStore("remote", self)
        self.remote_peak = 0
        self.buffer_bytes = 0  # a state restored from remote, held locally while it is in use

    def local_bytes(self) -> int:
        return self.saved_live + self.local.bytes + self.buffer_bytes

    def observe(self) -> None:
        self.local_peak = max(self.local_peak, self.local_bytes())
        self.remote_peak = max(self.remote_peak, self.remote.bytes)

    def _free(self, size: int) -> None:
        self.saved_live -= size

    def pack(self, t: Tensor) -> object:
        if t.untyped_storage().data_ptr() in self._resident:
            return t  # a parameter (or a view of one): resident, not saved
        size = tensor_bytes(t)
        handle = _Handle(_Sparse(t) if is_binary(t) else t)
        self.saved_live += size
        self.saved_total += size
        self.observe()
        weakref.finalize(handle, self._free, size)
        return handle

    @staticmethod
    def unpack(obj: object) -> Tensor:
        if isinstance(obj, _Handle):
            p = obj.payload
            return p.dense() if isinstance(p, _Sparse) else p
        return obj  # type: ignore[return-value]

    @contextmanager
    def hooks(self):
        with torch.autograd.graph.saved_tensors_hooks(self.pack, self.unpack):
            yield
