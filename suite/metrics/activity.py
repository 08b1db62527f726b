"""Activity metrics recorded by forward hooks: synaptic operations and activation sparsity.

:class:`ActivityRecorder` reproduces NeuroBench 2.3.0's ``SynapticOperations`` and
``ActivationSparsity`` (``neurobench.metrics.workload``; Yik et al., Nature Communications 2025)
without NeuroBench's per-call ``deepcopy`` of each layer and without storing activations::

    with ActivityRecorder(model) as rec:
        for x, y in loader:            # x: [B, T, ...]
            model(x)
            rec.add_samples(x.shape[0])
    rec.synops()                # {"synops_dense": ..., "synops_macs": ..., "synops_acs": ...}
    rec.activation_sparsity()   # 1 - nonzero / total

Counters stay on the model's device; nothing synchronises until a result is read.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from suite.metrics import MetricUnavailable, record
from suite.metrics.static import CONNECTION_LAYERS, RECURRENT_LAYERS, find_layers

#: Our metric names for NeuroBench's SynapticOperations ``Dense``, ``Effective_MACs``, ``Effective_ACs``.
SYNOPS_NAMES = ("synops_dense", "synops_macs", "synops_acs")
#: torch activations NeuroBench hooks by default [``neurobench.blocks.activation``].
ACTIVATION_LAYERS: tuple[type[nn.Module], ...] = (nn.ReLU, nn.Sigmoid)


def is_activation(module: nn.Module) -> bool:
    """An activation layer: nn.ReLU, nn.Sigmoid, or a module with ``neurorepro_activation = True``."""
    return isinstance(module, ACTIVATION_LAYERS) or getattr(module, "neurorepro_activation", False) is True


def _first_tensor(value: Any) -> Tensor:
    # A spiking cell may return (spikes, state); NeuroBench's NeuronHook keeps output[0].
    while isinstance(value, tuple | list):
        value = value[0]
    return value


class ActivityRecorder:
    """Per-sample synaptic operations and activation sparsity over the forward passes in a block.

    **Synaptic operations** [NeuroBench SynapticOperations]. For every call of each connection
    layer (outermost Linear / Conv1d / Conv2d / Conv3d modules of ``model``):

    * the input counts as spikes (accumulates, ACs) if every element is in {-1, 0, 1}, else as
      multiply-accumulates (MACs), judged per call over the whole input tensor;
    * effective ops = sum of the layer's output for input and weight binarised (non-zero -> 1)
      and bias zeroed, i.e. the number of (non-zero input, non-zero weight) pairs;
    * dense ops = the same with every input and weight set to 1 (zero padding still counts 0).

    The totals are divided by the number of samples given to :meth:`add_samples`. NeuroBench
    divides by ``data[0].size(0)`` of each batch; our networks may apply a layer to a
    ``[B, T, F]`` tensor in one call or to ``[B, F]`` once per step, so the layer's input shape
    does not tell the sample count and the caller states it: call ``add_samples(B)`` once per
    batch of ``B`` samples. Effective ops use ``sum_i count_i * colsum_i`` for Linear and one
    convolution with the output channels summed for Conv, which equal NeuroBench's sums exactly.

    torch RNN/LSTM/GRU layers and cells are not counted (NeuroBench raises for the layers);
    if one runs, :meth:`synops` raises :class:`MetricUnavailable`.

    **Activation sparsity** [NeuroBench ActivationSparsity] = 1 - nonzero / numel over every
    output of the outermost activation modules (:func:`is_activation`), all calls, timesteps and
    samples. A tuple output counts its first element (the spikes). NeuroBench averages per-batch
    ratios weighted by batch size, which equals this global ratio when every sample produces
    the same number of activations (fixed sequence length).

    Hooks are registered on ``__enter__`` and removed on ``__exit__``; results stay readable.
    """

    def __init__(self, model: nn.Module, *, synops: bool = True, activations: bool = True) -> None:
        self.model = model
        self._want_synops = synops
        self._want_activations = activations
        self._handles: list[Any] = []
        self._dense_cache: dict[tuple[int, tuple[int, ...]], int] = {}
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all counts and samples (hooks stay as they are)."""
        self.samples = 0
        self._macs: Tensor | int = 0
        self._acs: Tensor | int = 0
        self._dense = 0
        self._connection_calls = 0
        self._unsupported: set[str] = set()
        self._nonzero: dict[str, Tensor | int] = {}
        self._numel: dict[str, int] = {}

    def __enter__(self) -> ActivityRecorder:
        if self._handles:
            raise RuntimeError("ActivityRecorder is already recording")
        if self._want_synops:
            for _, layer in find_layers(self.model, lambda m: isinstance(m, CONNECTION_LAYERS)):
                self._handles.append(layer.register_forward_pre_hook(self._on_connection))
            for name, layer in find_layers(self.model, lambda m: isinstance(m, RECURRENT_LAYERS)):
                self._handles.append(layer.register_forward_pre_hook(self._unsupported_hook(name)))
        if self._want_activations:
            for name, layer in find_layers(self.model, is_activation):
                self._nonzero.setdefault(name, 0)
                self._numel.setdefault(name, 0)
                self._handles.append(layer.register_forward_hook(self._activation_hook(name)))
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def add_samples(self, n: int) -> None:
        """Count ``n`` more samples (the batch size of the forward pass just run)."""
        if n < 0:
            raise ValueError(f"sample count must be >= 0, got {n}")
        self.samples += int(n)

    # -- hooks -----------------------------------------------------------------------------------

    def _on_connection(self, layer: nn.Module, args: tuple[Any, ...]) -> None:
        with torch.no_grad():
            x = _first_tensor(args).detach()
            weight = layer.weight.detach()
            nonzero = x != 0
            if isinstance(layer, nn.Linear):
                effective = self._linear_effective(nonzero, weight)
                dense = x.numel() * layer.out_features
            else:
                effective = self._conv_effective(layer, nonzero, weight)
                dense = self._conv_dense(layer, x, weight)
            is_mac = (nonzero & (x.abs() != 1)).any()  # some element outside {-1, 0, 1}
            self._macs = self._macs + effective * is_mac
            self._acs = self._acs + effective * ~is_mac
            self._dense += dense
            self._connection_calls += 1

    @staticmethod
    def _linear_effective(nonzero: Tensor, weight: Tensor) -> Tensor:
        # sum_{row, out, in} wb[out, in] * xb[row, in] = sum_in (#rows with x_in != 0) * colsum_in
        active_inputs = nonzero.reshape(-1, weight.shape[1]).sum(0)
        return (active_inputs * (weight != 0).sum(0)).sum()

    @staticmethod
    def _conv_effective(layer: nn.Module, nonzero: Tensor, weight: Tensor) -> Tensor:
        # Summing the binary kernels over the output channels of each group turns
        # sum(conv(xb, wb)) into one convolution with `groups` output channels.
        groups = layer.groups
        kernel = (weight != 0).to(torch.float32)
        kernel = kernel.reshape(groups, weight.shape[0] // groups, *weight.shape[1:]).sum(1)
        out = layer._conv_forward(nonzero.to(torch.float32), kernel, None)
        return out.sum(dtype=torch.float64).round().to(torch.int64)

    def _conv_dense(self, layer: nn.Module, x: Tensor, weight: Tensor) -> int:
        key = (id(layer), tuple(x.shape))
        if key not in self._dense_cache:
            groups = layer.groups
            per_group = weight.shape[0] // groups
            kernel = torch.full((groups, *weight.shape[1:]), float(per_group), device=x.device)
            out = layer._conv_forward(torch.ones(x.shape, device=x.device), kernel, None)
            self._dense_cache[key] = round(out.sum(dtype=torch.float64).item())
        return self._dense_cache[key]

    def _unsupported_hook(self, name: str) -> Any:
        def hook(layer: nn.Module, args: tuple[Any, ...]) -> None:
            self._unsupported.add(f"{name or 'model'} ({type(layer).__name__})")

        return hook

    def _activation_hook(self, name: str) -> Any:
        def hook(layer: nn.Module, args: tuple[Any, ...], output: Any) -> None:
            out = _first_tensor(output).detach()
            self._nonzero[name] = self._nonzero[name] + torch.count_nonzero(out)
            self._numel[name] += out.numel()

        return hook

    # -- results ---------------------------------------------------------------------------------

    def synops(self) -> dict[str, float]:
        """Per-sample ``synops_dense``, ``synops_macs``, ``synops_acs`` [NeuroBench Dense, Effective_MACs, Effective_ACs].

        Raises :class:`MetricUnavailable` if no samples were added, no connection layer ran,
        or a torch recurrent layer ran (its operations would be missing).
        """
        if not self._want_synops:
            raise MetricUnavailable("synaptic operations were not recorded (synops=False)")
        if self._unsupported:
            raise MetricUnavailable(
                "synaptic operations of torch RNN/LSTM/GRU modules are not counted: "
                + ", ".join(sorted(self._unsupported))
            )
        if self._connection_calls == 0:
            raise MetricUnavailable("no Linear/Conv connection layer ran while recording")
        if self.samples == 0:
            raise MetricUnavailable("no samples were counted; call add_samples(batch_size) after each forward pass")
        n = self.samples
        return {
            "synops_dense": self._dense / n,
            "synops_macs": int(self._macs) / n,
            "synops_acs": int(self._acs) / n,
        }

    def activation_sparsity_by_layer(self) -> dict[str, float]:
        """1 - nonzero / numel per activation module that ran [NeuroBench ActivationSparsityByLayer]."""
        return {name: 1.0 - int(self._nonzero[name]) / numel for name, numel in self._numel.items() if numel}

    def activation_sparsity(self) -> float:
        """1 - nonzero / numel over all recorded activation outputs [NeuroBench ActivationSparsity].

        Raises :class:`MetricUnavailable` if no activation module exists or none ran.
        """
        if not self._want_activations:
            raise MetricUnavailable("activations were not recorded (activations=False)")
        if not self._numel:
            raise MetricUnavailable(
                f"{type(self.model).__name__} has no activation module (nn.ReLU, nn.Sigmoid or neurorepro_activation = True)"
            )
        numel = sum(self._numel.values())
        if numel == 0:
            raise MetricUnavailable("no activation module ran while recording")
        nonzero = sum(int(v) for v in self._nonzero.values())
        return 1.0 - nonzero / numel

    def record(self, measurements: Any) -> None:
        """Store ``synops_*`` and ``activation_sparsity`` in a Measurements, NaN plus reason if unavailable."""
        record(measurements, SYNOPS_NAMES, self.synops)
        record(measurements, "activation_sparsity", self.activation_sparsity)
