"""The SOEL error-triggered three-factor rule on the last layer (card P10 §3, `plasticity_rules.maml_soel`).

    S_t = H(U_t)                                    (FastSigmoid surrogate for the outer loop only)
    E_t = ∂ CE(softmax_c(S_t), y) / ∂S_t = softmax(S_t) − onehot(y)      (per time step)
    Ê_t = E_t · [|E_t| > θ_err]                     error trigger (ternary gate)
    ΔW  = −η (∂U/∂W)ᵀ Ê = −η Σ_t Ê_t x̃_tᵀ           x̃ = ∂U_t/∂W: synaptically filtered presynaptic trace

As the reference (`dUdW = autograd.grad(U, W, grad_outputs=triggered)`): the error is taken with
respect to the spikes, but propagated to the weights through ∂U/∂W, so no surrogate factor σ'(U)
enters the update (three factors: presynaptic trace × postsynaptic spike-driven error × gate). An
earlier version multiplied by σ'(U); that made the update vanish for outputs far from threshold and
SOEL a much weaker learner (README). ΔW is summed over time and averaged over the support samples.
For meta-learning the threshold the hard gate gets a sigmoid straight-through gradient of temperature
``gate_temperature`` (suite choice; the released code does not meta-learn it).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class SoelParams(NamedTuple):
    lr: Tensor  # η (scalar tensor; meta-learned)
    threshold: Tensor  # θ_err (scalar tensor; meta-learned when meta_learn_threshold)
    gate_temperature: float = 0.02


def output_error(s: Tensor, y: Tensor, n_classes: int) -> Tensor:
    """E_t = softmax(S_t) − onehot(y), ``[B, T, N]``."""
    onehot = torch.nn.functional.one_hot(y, n_classes).to(s.dtype)
    return torch.softmax(s, dim=-1) - onehot[:, None, :]


def error_gate(e: Tensor, threshold: Tensor, temperature: float) -> Tensor:
    """[|E| > θ] forward; d/dθ through sigmoid((|E| − θ)/τ) (straight-through)."""
    hard = (e.abs() > threshold).to(e.dtype)
    soft = torch.sigmoid((e.abs() - threshold) / temperature)
    return hard + soft - soft.detach()


def soel_delta(s: Tensor, u: Tensor, x_tilde: Tensor, y: Tensor, p: SoelParams) -> tuple[Tensor, Tensor]:
    """ΔW ``[N, H]`` of one SOEL step and the number of (sample, step, neuron) error triggers.

    ``s``, ``u`` ([B, T, N]): output spikes and v − θ (``u`` is unused: no surrogate factor); ``x_tilde`` ([B, T, H]) the filtered presynaptic
    trace. The update's dependence on the weights is detached (first order); on η and θ_err it is kept.
    """
    e = output_error(s.detach(), y, s.shape[-1])
    gate = error_gate(e, p.threshold, p.gate_temperature)
    post = e * gate
    delta = -p.lr * torch.einsum("btn,bth->nh", post, x_tilde.detach()) / s.shape[0]
    return delta, (gate.detach() > 0).sum()


def sgd_delta(loss: Tensor, w: Tensor, lr: Tensor) -> Tensor:
    """First-order MAML-SGD inner step: −η ∂L/∂W with the gradient detached (variant (i))."""
    (g,) = torch.autograd.grad(loss, w, retain_graph=True)
    return -lr * g.detach()
