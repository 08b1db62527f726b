"""Plugin table of the P04 package (sparse e-prop): declarative, imports nothing heavy.

Scale params live in the task rows (models have none), so a task fixes the network size of its
benchmark. Paper-scale values: card P04 §3/§6 (SHD 140 inputs after pooling 5, 1024 hidden,
batch 256, T = 100, AdamW 1e-3 with the branch's weight decay 1e-3; memory sweep T ∈ {100 … 2000}
plus 10,000 from the issue, H ∈ {256, 1024}). The epoch count is not in the card: 100 is a
suite choice.
"""

_NET = "one layer of {cell} cells + linear readout (card P04 §3), trained with {grad}"
_PROTOCOLS = ["grad-alignment", "memory-scaling", "eprop-classification"]


def _model(builder: str, cell: str, grad: str) -> dict:
    return {
        "target": f"implementations.eprop.model:{builder}",
        "framework": "jax",
        "protocols": _PROTOCOLS,
        "description": _NET.format(cell=cell, grad=grad),
    }


PLUGIN = {
    "protocols": {
        "grad-alignment": {
            "target": "implementations.eprop.grad_alignment:run",
            "description": "e-prop, naive e-prop and RTRL gradients against BPTT on Bernoulli inputs (card P04 §6)",
        },
        "memory-scaling": {
            "target": "implementations.eprop.memory_scaling:run",
            "description": "peak memory (XLA memory_analysis, optional fresh-process RSS) and time per step vs T and H",
        },
        "eprop-classification": {
            "target": "implementations.eprop.classification:run",
            "description": "SHD training with e-prop or BPTT, optax chain(clip 0.5, adamw) (card P04 §3)",
        },
    },
    "models": {
        "eprop-lif": _model("build_eprop_lif", "LIF", "sparse e-prop"),
        "eprop-alif": _model("build_eprop_alif", "ALIF", "sparse e-prop"),
        "eprop-silif": _model("build_eprop_silif", "SiLIF", "sparse e-prop"),
        "bptt-lif": _model("build_bptt_lif", "LIF", "BPTT"),
        "bptt-alif": _model("build_bptt_alif", "ALIF", "BPTT"),
    },
    "tasks": {
        "grad-check-tiny": {
            "protocol": "grad-alignment",
            "description": "card P04 smoke (a): feed-forward 4-4 network, T = 3, e-prop must equal BPTT",
            "primary_metric": "grad_cosine_vs_bptt",
            "scales": {
                s: {
                    "n_inputs": 4,
                    "hidden": 4,
                    "n_classes": 2,
                    "n_steps": 3,
                    "batch": 2,
                    "rate": 0.5,
                    "input_scale": 30.0,
                }
                for s in ("smoke", "paper")
            },
        },
        "grad-alignment": {
            "protocol": "grad-alignment",
            "description": "card P04 smoke (b): recurrent 20-32 network, T = 50, cosine similarity to BPTT",
            "primary_metric": "grad_cosine_vs_bptt",
            "scales": {
                "smoke": {
                    "n_inputs": 20,
                    "hidden": 32,
                    "n_steps": 50,
                    "batch": 4,
                    "rate": 0.05,
                    "recurrent": True,
                    "input_scale": 30.0,
                },
                "paper": {
                    "n_inputs": 140,
                    "hidden": 128,
                    "n_steps": 100,
                    "batch": 16,
                    "rate": 0.05,
                    "recurrent": True,
                    "input_scale": 30.0,
                },
            },  # fmt: skip
        },
        "memory-scaling": {
            "protocol": "memory-scaling",
            "description": "peak memory and time per gradient step vs T for e-prop, naive e-prop and BPTT (card P04 §6)",
            "primary_metric": "peak_memory_bytes",
            "scales": {
                "smoke": {"lengths": [50, 100, 200], "hiddens": [64], "batch": 8, "n_inputs": 20},
                "paper": {
                    "lengths": [100, 250, 500, 1000, 2000, 10000],
                    "hiddens": [256, 1024],
                    "batch": 256,
                    "n_inputs": 140,
                    "n_classes": 20,
                    "rss": True,
                },
            },  # fmt: skip
        },
        "shd-eprop": {
            "protocol": "eprop-classification",
            "dataset": "shd",
            "description": "SHD, 1.4 s in nb_steps bins, 140 pooled inputs, e-prop vs BPTT (card P04 §3-4)",
            "scales": {
                "smoke": {
                    "nb_steps": 50,
                    "max_time": 1.4,
                    "pool": 5,
                    "max_samples": 600,
                    "max_test_samples": 200,
                    "hidden": 64,
                    "batch_size": 16,
                    "epochs": 2,
                    "lr": 1e-3,
                    "input_gain": 10.0,
                },
                "paper": {
                    "nb_steps": 100,
                    "max_time": 1.4,
                    "pool": 5,
                    "hidden": 1024,
                    "batch_size": 256,
                    "epochs": 100,
                    "lr": 1e-3,
                    "weight_decay": 1e-3,
                },
            },  # fmt: skip
        },
    },
    "figures": {
        "eprop-memory-vs-T": {"target": "implementations.eprop.figures:memory_vs_length"},
    },
    "claims": {
        "P04": {"package": "implementations.eprop", "file": "claims.yaml", "description": "sparse e-prop"},
    },
}
