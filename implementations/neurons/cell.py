"""The layer part every spiking cell shares: initial states, the scan over time, the state spec.

A cell module sets ``step`` (its pure step function), ``state_type`` (its state NamedTuple) and,
for complex-valued fields, ``complex_states``, plus ``n_neurons`` and ``zero_init_state`` in its
``__init__`` and a ``params()`` method; this base maps currents [batch, time, n] to spikes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from implementations.neurons.initial_state import initial_tensor
from implementations.neurons.scan import scan


class SpikingCell(nn.Module):
    """Base of the scanned spiking cells (module docstring)."""

    neurorepro_activation = True
    step: ClassVar[Callable[..., Any]]
    state_type: ClassVar[type]
    complex_states: ClassVar[frozenset[str]] = frozenset()
    n_neurons: int
    zero_init_state: bool

    def params(self) -> Any:
        raise NotImplementedError

    def initial_state(self, i: Tensor, *, generator: torch.Generator | None = None) -> Any:
        """Every state field in declaration order, U[0,1) or zeros (card P01 §3), shaped like one time
        step of ``i`` [batch, time, n]; a complex field draws its real part, then its imaginary part."""
        b, n = i.shape[0], self.n_neurons

        def draw() -> Tensor:
            return initial_tensor(b, n, zero=self.zero_init_state, like=i, generator=generator)

        fields = {}
        for name in self.state_type._fields:  # type: ignore[attr-defined]
            if name in self.complex_states:
                re = draw()
                fields[name] = torch.complex(re, draw())
            else:
                fields[name] = draw()
        return self.state_type(**fields)

    def forward(self, i: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        spikes, _ = scan(type(self).step, i, self.initial_state(i, generator=generator), self.params())
        return spikes

    def state_spec(self) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
        """Per-sample recurrent state kept between steps at inference: every state field, [n] each
        (a complex one is complex64, two reals)."""
        n = self.n_neurons
        return {
            f: ((n,), torch.complex64 if f in self.complex_states else torch.float32)
            for f in self.state_type._fields  # type: ignore[attr-defined]
        }

    def extra_repr(self) -> str:
        return f"{self.n_neurons}, zero_init_state={self.zero_init_state}"
