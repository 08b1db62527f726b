"""Plugin table of the P07 package (Loihi transformer ICL): declarative, imports nothing heavy.

The ``loihi2`` emulator it uses is registered by the P10 package (``implementations.loihi_one_shot``).
"""

_SMOKE_MODEL = {"d_model": 32, "heads": 2, "layers": 2, "encoder_hidden": 64}
_PAPER_MODEL = {"d_model": 64, "heads": 4, "layers": 2, "encoder_hidden": 128}
_SMOKE = {"train_steps": 300, "batch": 16, "test_episodes": 100, "shots": [1, 5]}
_PAPER = {"train_steps": 20000, "batch": 32, "test_episodes": 1000, "shots": [1, 5]}

PLUGIN = {
    "datasets": {
        "digits-fewshot": {
            "target": "implementations.loihi_icl.episodes:DIGITS_FEWSHOT",
            "description": "scikit-learn digits as flat images; classes 0-4 meta-train, 5-9 meta-test",
        },
        "synthetic-classes": {
            "target": "implementations.loihi_icl.episodes:SYNTHETIC_CLASSES",
            "description": "procedural blob classes (200 meta-train / 100 meta-test), 8x8, seeded",
        },
    },
    "protocols": {
        "icl-few-shot": {
            "target": "implementations.loihi_icl.icl:run",
            "description": "in-context N-way K-shot classification; float / quant / loihi2 plastic attention",
        },
    },
    "models": {
        "plastic-transformer": {
            "target": "implementations.loihi_icl.model:build_plastic_transformer",
            "framework": "torch",
            "protocols": ["icl-few-shot"],
            "description": "decoder-only transformer, attention = Hebbian fast weights (linear attention; reconstructed)",
            "scales": {"smoke": _SMOKE_MODEL, "paper": _PAPER_MODEL},
        },
    },
    "tasks": {
        "digits-icl": {
            "protocol": "icl-few-shot",
            "dataset": "digits-fewshot",
            "description": "5-way in-context classification of sklearn digits 5-9 after meta-training on 0-4",
            "scales": {"smoke": _SMOKE, "paper": _PAPER},
        },
        "synthetic-icl": {
            "protocol": "icl-few-shot",
            "dataset": "synthetic-classes",
            "description": "5-way in-context classification of unseen procedural classes",
            "scales": {"smoke": _SMOKE, "paper": {**_PAPER, "per_class": 20}},
        },
    },
    "plans": {
        "p07-loihi-icl-paper": {"path": "plans/p07-loihi-icl-paper.yaml"},
        "p07-loihi-icl-smoke": {"path": "plans/p07-loihi-icl-smoke.yaml"},
    },
    "claims": {
        "P07": {"package": "implementations.loihi_icl", "file": "claims.yaml", "description": "Loihi transformer ICL"},
    },
}
