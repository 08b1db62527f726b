"""Plugin table of the P09 package (SNNAX): declarative, imports nothing heavy.

The JAX spiking engine (``graph.py`` and the cells) trains SHD through the ``classification-jax``
protocol (task ``shd-jax``), and the ``throughput`` protocol runs the Open Neuromorphic speed
benchmark (task ``snn-throughput``) over our engine, PyTorch, the dense matrix-product floor and
the peer frameworks. Scales of ``snn-throughput`` name the layer width: ``cpu-n512`` ...
``cpu-n4096`` (this machine kind, B = 16, T = 500) and ``paper-n4096`` ... ``paper-n16384``
(the published GPU setup).
"""

from __future__ import annotations

_SHD_SMOKE = {
    "nb_steps": 50,
    "max_time": 1.0,
    "pool": 5,
    "max_samples": 600,
    "max_test_samples": 200,
    "epochs": 10,
    "batch_size": 32,
    "lr": 1e-2,
}
_SHD_PAPER = {
    # card P09 §3 SHD example: dt 1 ms (1000 bins of 1 s), lr 1e-3, clip 0.5, wd 0.01, batch 256
    "nb_steps": 1000,
    "max_time": 1.0,
    "pool": 5,
    "epochs": 100,
    "batch_size": 256,
    "lr": 1e-3,
    "weight_decay": 0.01,
    "grad_clip": 0.5,
}
_ON = {"batch": 16, "steps": 500, "repeats": 5, "warmup": 2}
_THROUGHPUT_SCALES = {
    "smoke": {"n": 128, "batch": 4, "steps": 50, "repeats": 3, "warmup": 1},
    **{f"cpu-n{n}": {**_ON, "n": n} for n in (512, 1024, 2048, 4096)},
    **{f"paper-n{n}": {**_ON, "n": n, "repeats": 10} for n in (4096, 8192, 16384)},
}
_IMPL = "implementations.snnax.throughput.implementations"
_THROUGHPUT_MODELS = {
    "snnax-jax": (
        "jax",
        "ours: engine Linear -> LIFSoftReset (fixed decays 0.9), projection hoisted, LIF lax.scan with a "
        "hand-written reverse-time VJP, jit",
    ),
    "snnax-jax-train-decays": (
        "jax",
        "ours in JAX with SNNAX's trainable per-neuron decays (alpha, beta) also differentiated",
    ),
    "snnax-jax-autodiff": (
        "jax",
        "ours in JAX with the LIF scan differentiated by autodiff (no custom VJP; the reference)",
    ),
    "snnax-torch": ("torch", "ours in PyTorch eager: one GEMM for all steps, then the LIF step loop (unbind)"),
    "snnax-torch-compile": ("torch", "ours in PyTorch with torch.compile of the LIF step (not the 500-step loop)"),
    "floor-jax": ("jax", "dense matrix-product floor in JAX: the protocol's GEMMs alone, no neuron dynamics"),
    "floor-torch": ("torch", "dense matrix-product floor in PyTorch: the protocol's GEMMs alone"),
    "snntorch": ("torch", "peer: snnTorch Leaky (subtract reset), step loop over nn.Linear"),
    "norse": ("torch", "peer: Norse LIFBoxCell step loop over nn.Linear"),
    "spyx": ("jax", "peer: Spyx LIF (flax.nnx) under a jitted lax.scan"),
    "snnax-upstream": ("jax", "peer: the snnax package itself (PyPI 0.0.1; fails at import, recorded as failed)"),
}

PLUGIN = {
    "protocols": {
        "classification-jax": {
            "target": "implementations.snnax.classification_jax:run",
            "description": "classification protocol for JAX models: AdamW + grad clip (SNNAX SHD example), best val state tested",
        },
        "throughput": {
            "target": "implementations.snnax.throughput.protocol:run",
            "description": "Open Neuromorphic Linear(n->n)+LIF speed benchmark: forward and backward timed separately",
        },
    },
    "tasks": {
        "shd-jax": {
            "protocol": "classification-jax",
            "dataset": "shd",
            "description": "SHD (140 pooled inputs, 20 classes) for JAX models; validation split from train",
            "scales": {"smoke": _SHD_SMOKE, "paper": _SHD_PAPER},
        },
        "nmnist-jax": {
            "protocol": "classification-jax",
            "dataset": "nmnist",
            # the card names NMNIST among SNNAX's example benchmarks but gives no configuration: the
            # binning (1 ms bins over the 300 ms recording, 2x2 pixel pooling) is our reconstruction
            "description": "N-MNIST (2 x 17 x 17 pooled inputs, 10 classes) for JAX models; validation split from train",
            "scales": {
                "smoke": {
                    "nb_steps": 30,
                    "max_time": 0.3,
                    "pool": 4,
                    "max_samples": 600,
                    "max_test_samples": 200,
                    "epochs": 10,
                    "batch_size": 32,
                    "lr": 1e-2,
                },
                "paper": {"nb_steps": 300, "max_time": 0.3, "pool": 2, "epochs": 100, "batch_size": 256, "lr": 1e-3},
            },  # fmt: skip
        },
        "snn-throughput": {
            "protocol": "throughput",
            "description": "Open Neuromorphic protocol: Linear(n->n)+LIF, loss = sum of outputs, fwd/bwd timed",
            # the metric the leaderboard ranks this task by (times rank lower-is-better)
            "primary_metric": "fwd_bwd_seconds",
            "scales": _THROUGHPUT_SCALES,
        },
    },
    "models": {
        "snnax-alif": {
            "target": "implementations.snnax.shd_model:build_shd_alif",
            "framework": "jax",
            "protocols": ["classification-jax"],
            "description": "SNNAX SHD example: 3 x (Linear -> AdaptiveLIF -> Dropout 0.25) -> Linear -> leaky integrator",
            "scales": {"smoke": {"hidden": 64, "layers": 2, "burnin": 10}, "paper": {"hidden": 256, "layers": 3}},
        },
        "snnax-lif": {
            "target": "implementations.snnax.shd_model:build_shd_lif",
            "framework": "jax",
            "protocols": ["classification-jax"],
            "description": "the same network with SNNAX's current-based LIF (tau_m 20, tau_s 6 steps)",
            "scales": {"smoke": {"hidden": 64, "layers": 2, "burnin": 10}, "paper": {"hidden": 256, "layers": 3}},
        },
        **{
            name: {
                "target": f"{_IMPL}:{name.replace('-', '_')}",
                "framework": fw,
                "protocols": ["throughput"],
                "description": d,
            }
            for name, (fw, d) in _THROUGHPUT_MODELS.items()
        },
    },
    "figures": {
        "p09-throughput": {
            "target": "implementations.snnax.throughput.figure:throughput_figure",
            "description": "time per step vs n per framework, forward and backward, ratios to the fastest peer and the floor",
        },
    },
    "claims": {
        "P09": {"package": "implementations.snnax", "file": "claims.yaml", "description": "SNNAX"},
    },
}
