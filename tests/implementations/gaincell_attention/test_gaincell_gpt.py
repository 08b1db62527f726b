"""The GPT variants: published sizes (built on the meta device), attention variants, scaler statistics."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.gaincell_attention.gpt import GPT, GPTConfig, n_params

# nanoGPT's GPT-2 (vocabulary 50257, context 1024, biases): 124,439,808 parameters with the position
# embeddings (the "123.65M" nanoGPT prints excludes them); GPT-2-XL: 1,557,611,200.
GPT2_PARAMS = 124_439_808
GPT2_XL_PARAMS = 1_557_611_200


def _meta_params(**kw) -> int:
    with torch.device("meta"):
        return n_params(GPT(GPTConfig(vocab_size=50257, block_size=1024, **kw)))


def _formula(n_layer: int, d: int, vocab: int = 50257, ctx: int = 1024) -> int:
    per_block = 12 * d * d + 13 * d  # qkv + proj + 2-layer MLP (4d) + 2 LayerNorms, with biases
    return vocab * d + ctx * d + n_layer * per_block + 2 * d


def test_gpt2_sizes_match_published():
    assert _formula(12, 768) == GPT2_PARAMS and _formula(48, 1600) == GPT2_XL_PARAMS
    assert _meta_params(n_layer=12, n_head=12, n_embd=768) == GPT2_PARAMS
    assert _meta_params(n_layer=48, n_head=25, n_embd=1600) == GPT2_XL_PARAMS


def test_gaincell_variants_add_eight_scalars_per_head_and_layer():
    base = _meta_params(n_layer=12, n_head=12, n_embd=768)
    for att in ("linear", "nonlinear"):
        assert _meta_params(n_layer=12, n_head=12, n_embd=768, attention=att) == base + 12 * 4 * 2 * 12


def test_swa_with_window_equal_to_context_is_softmax():
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=20, block_size=16, n_layer=1, n_head=2, n_embd=16)
    a = GPT(cfg)
    b = GPT(GPTConfig(**{**cfg.__dict__, "attention": "softmax-swa"}))
    b.load_state_dict(a.state_dict())
    idx = torch.randint(0, 20, (2, 16))
    assert torch.allclose(a(idx), b(idx), atol=1e-6)
    c = GPT(GPTConfig(**{**cfg.__dict__, "attention": "softmax-swa", "window": 4}))
    c.load_state_dict(a.state_dict())
    assert torch.allclose(a(idx)[:, :4], c(idx)[:, :4], atol=1e-6)  # identical inside the first window
    assert not torch.allclose(a(idx)[:, 8:], c(idx)[:, 8:], atol=1e-4)


def test_causality_of_every_variant():
    for att in ("softmax", "softmax-swa", "linear", "nonlinear"):
        torch.manual_seed(0)
        m = GPT(GPTConfig(vocab_size=20, block_size=16, n_layer=1, n_head=2, n_embd=16, attention=att, array_len=4))
        idx = torch.randint(0, 20, (1, 16))
        idx2 = idx.clone()
        idx2[0, 10:] = (idx2[0, 10:] + 1) % 20
        assert torch.allclose(m(idx)[:, :10], m(idx2)[:, :10], atol=1e-6), att


def test_scaler_targets_are_an_ema_with_rate_0_1():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, n_embd=8, attention="linear"))
    m.set_scaler_flags(track_targets=True, record=True)
    sc = m.scalers()[0]["out"]
    m(torch.randint(0, 20, (4, 8)))
    first = sc.target_mean.clone()
    assert torch.equal(first, sc.last_mean)
    m(torch.randint(0, 20, (4, 8)))
    assert torch.allclose(sc.target_mean, 0.9 * first + 0.1 * sc.last_mean)
    assert math.isfinite(float(sc.target_std.sum()))


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="attention"):
        GPTConfig(vocab_size=2, block_size=2, attention="flash")
    with pytest.raises(ValueError, match="multiple"):
        GPTConfig(vocab_size=2, block_size=2, n_embd=10, n_head=3)
