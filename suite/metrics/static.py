"""Static model metrics: parameters, footprint, connection sparsity, declared state size.

They read the model's tensors only, no forward pass, and follow NeuroBench 2.3.0
(``neurobench.metrics.static``; Yik et al., Nature Communications 2025), except where a
docstring says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from suite.metrics import MetricUnavailable

#: Layers whose weights are synapses [NeuroBench ``blocks.layer.STATELESS_LAYERS``].
CONNECTION_LAYERS: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
#: torch recurrent layers and cells [NeuroBench ``RECURRENT_LAYERS`` + ``RECURRENT_CELLS``].
RECURRENT_LAYERS: tuple[type[nn.Module], ...] = (nn.RNNBase, nn.RNNCellBase)


def find_layers(model: nn.Module, predicate: Callable[[nn.Module], bool]) -> list[tuple[str, nn.Module]]:
    """The outermost modules of ``model`` (itself included) for which ``predicate`` holds.

    A matching module is not searched further, as NeuroBench's ``connection_layers()`` and
    ``activation_layers()`` do. Unlike NeuroBench the root is tested too, so a bare
    ``nn.Linear`` counts as a connection layer. Names are ``named_modules`` paths ("" = root).
    """
    found: list[tuple[str, nn.Module]] = []

    def visit(prefix: str, module: nn.Module) -> None:
        if predicate(module):
            found.append((prefix, module))
            return
        for name, child in module.named_children():
            visit(f"{prefix}.{name}" if prefix else name, child)

    visit("", model)
    return found


def param_count(model: nn.Module) -> int:
    """Number of trainable parameters: sum of ``p.numel()`` over ``parameters()`` with ``requires_grad``.

    NeuroBench's ParameterCount counts all parameters, frozen ones included; the two agree
    whenever nothing is frozen. Shared parameters are counted once.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def footprint_bytes(model: nn.Module) -> int:
    """Bytes of all parameters and buffers, sum of ``numel * element_size`` [NeuroBench Footprint]."""
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def _recurrent_weight_names(layer: nn.Module) -> list[str]:
    """The tensors NeuroBench's ConnectionSparsity reads from a torch RNN/LSTM/GRU (or cell)."""
    if isinstance(layer, nn.RNNCellBase):
        return ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if layer.bias else [])
    names: list[str] = []
    per_layer = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
    if layer.bias:
        per_layer += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
    if layer.proj_size > 0:
        per_layer += ["weight_hr_l{}{}"]
    for k in range(layer.num_layers):
        names += [n.format(k, "") for n in per_layer]
        if layer.bidirectional:
            names += [n.format(k, "_reverse") for n in per_layer]
    return names


def connection_sparsity(model: nn.Module) -> float:
    """Fraction of zero synaptic weights, zeros / total [NeuroBench ConnectionSparsity].

    Counted over the ``weight`` of every Linear and Conv1d/2d/3d (bias excluded) and, for
    torch RNN/LSTM/GRU layers and cells, ``weight_ih``/``weight_hh``, their biases when present,
    ``weight_hr`` when ``proj_size > 0`` and the ``_reverse`` copies when bidirectional, as
    NeuroBench does. Other parameters (e.g. a spiking cell's own recurrent matrix) are not
    counted, as in NeuroBench. NeuroBench rounds to 4 decimals; this returns the exact ratio
    and :func:`suite.metrics.neurobench.to_neurobench` rounds.

    Raises :class:`MetricUnavailable` if the model has no such layer.
    """
    zeros = 0
    total = 0
    for _, layer in find_layers(model, lambda m: isinstance(m, CONNECTION_LAYERS + RECURRENT_LAYERS)):
        if isinstance(layer, CONNECTION_LAYERS):
            tensors = [layer.weight]
        else:
            tensors = [getattr(layer, n) for n in _recurrent_weight_names(layer)]
        for t in tensors:
            zeros += int((t == 0).sum())
            total += t.numel()
    if total == 0:
        raise MetricUnavailable(
            f"{type(model).__name__} has no Linear/Conv/RNN connection layer, so connection sparsity is undefined"
        )
    return zeros / total


def _itemsize(dtype: object) -> int:
    if isinstance(dtype, torch.dtype):
        return dtype.itemsize
    return np.dtype(dtype).itemsize  # type: ignore[call-overload]


def state_bytes(model: nn.Module) -> int:
    """Bytes of recurrent state per sample that inference keeps between timesteps.

    Sum over every module of ``model`` that defines ``state_spec() -> {name: (shape, dtype)}``
    (per-sample shapes, no batch dimension) of ``prod(shape) * itemsize``. Each module declares
    only its own state; a parent must not repeat its children's. No NeuroBench equivalent.

    Raises :class:`MetricUnavailable` if no module declares ``state_spec``.
    """
    total = 0
    declared = False
    for module in model.modules():
        spec = getattr(module, "state_spec", None)
        if not callable(spec):
            continue
        declared = True
        for shape, dtype in spec().values():
            total += math.prod(shape) * _itemsize(dtype)
    if not declared:
        raise MetricUnavailable(
            f"no module of {type(model).__name__} declares state_spec(), so its recurrent state size is unknown"
        )
    return total
