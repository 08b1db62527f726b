"""The adaptation algorithm (card P08 §3): schedule, convergence, and the recovered gap."""

from __future__ import annotations

import pytest
import torch

from implementations.gaincell_attention.adaptation import MAX_ITERATIONS, adapt, alpha_schedule
from implementations.gaincell_attention.gpt import GPT, GPTConfig


def test_alpha_schedule_is_linspace_1_to_0_1_over_50_then_flat():
    assert alpha_schedule(0) == 1.0
    assert alpha_schedule(49) == pytest.approx(0.1)
    assert alpha_schedule(1) == pytest.approx(1.0 - 0.9 / 49)
    assert alpha_schedule(50) == alpha_schedule(99) == 0.1


def _pair(seed: int = 0):
    torch.manual_seed(seed)
    cfg = dict(vocab_size=30, block_size=16, n_layer=2, n_head=2, n_embd=16, array_len=8)
    lin = GPT(GPTConfig(attention="linear", **cfg))
    with torch.no_grad():  # make the attention signals large enough for the cubic to matter
        for blk in lin.blocks:
            blk.attn.c_attn.weight.mul_(20)
    lin.set_scaler_flags(track_targets=True)
    batch = torch.randint(0, 30, (8, 16))
    lin(batch)
    lin.set_scaler_flags(track_targets=False)
    nl = GPT(GPTConfig(attention="nonlinear", **cfg))
    nl.load_state_dict(lin.state_dict())
    return lin, nl, batch


def test_adaptation_converges_and_matches_statistics():
    lin, nl, batch = _pair()
    res = adapt(nl, batch)
    assert res.converged and 1 <= res.iterations < MAX_ITERATIONS
    assert res.std_error_before > 1e-3  # the nonlinearity opened a gap ...
    assert res.std_error_after < 1e-4 and res.mean_error_after < 1e-4  # ... that the scalers closed
    assert len(res.curve) == res.iterations and res.curve[-1] < res.curve[0]
    # scalers moved away from their initial values
    assert not torch.allclose(nl.scalers()[0]["out"].a, lin.scalers()[0]["out"].a)


def test_adaptation_stops_at_max_iterations():
    _, nl, batch = _pair()
    res = adapt(nl, batch, tolerance=0.0, max_iterations=3)
    assert res.iterations == 3 and not res.converged


def test_adaptation_needs_targets_and_scalers():
    torch.manual_seed(0)
    nl = GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=1, n_embd=8, attention="nonlinear"))
    with pytest.raises(ValueError, match="target statistics"):
        adapt(nl, torch.zeros(1, 8, dtype=torch.long))
    sm = GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=1, n_embd=8))
    with pytest.raises(ValueError, match="gain-cell"):
        adapt(sm, torch.zeros(1, 8, dtype=torch.long))


def test_adaptation_moves_the_nonlinear_model_towards_the_linear_one():
    from implementations.gaincell_attention.language_model import kl_to

    lin, nl, batch = _pair(1)
    val = [(torch.randint(0, 30, (8, 16), generator=torch.Generator().manual_seed(9)), None)]
    assert kl_to(lin, lin, val) == pytest.approx(0.0, abs=1e-7)
    before = kl_to(nl, lin, val)
    adapt(nl, batch)
    after = kl_to(nl, lin, val)
    assert before > 1e-5 and after < 0.5 * before  # most of the gap is recovered (about 60 % here)
