"""Plugin table of the P10 package (meta-learned plasticity on Loihi): declarative, imports nothing heavy.

Also registers the ``loihi2`` emulator (shared with P07) and the double-digit event datasets.
"""

_SMOKE_MODEL = {"hidden": [64, 64], "current_decay": 0.5, "voltage_decay": 0.5, "threshold": 1.0}
_PAPER_MODEL = {"hidden": [512, 512], "current_decay": 0.97, "voltage_decay": 0.92, "threshold": 0.5}
_PAPER_PROTOCOL = {
    "meta_iterations": 40000,  # 200 batches x 200 epochs (card P10 §3/§6)
    "meta_batch": 1,
    "meta_lr": 2.0e-5,
    "inner_steps": 5,
    "inner_lr": 1.0,
    "err_threshold": 0.05,
    "test_tasks": 1000,
    "compare_transfer": True,
    "pretrain_epochs": 20,
    "tl_steps": 5,
    "loihi_test_tasks": 100,
}
_SMOKE_PROTOCOL = {
    "meta_iterations": 150,
    "meta_batch": 2,
    "meta_init": "pretrain",  # meta-training starts from the transfer baseline's pre-trained backbone (README)
    "test_tasks": 100,
    "loihi_test_tasks": 100,
    "compare_transfer": True,
}
# Inner learning rates per rule at smoke scale (initial η, then meta-learned): the SOEL update sums the
# gated error times x̃ over T steps without a surrogate factor (as the reference), ~10x SGD's raw step.
_SMOKE_RULE = {
    "soel": {"inner_lr": 0.1, "meta_lr": 3e-3, "meta_iterations": 600},
    "sgd": {"inner_lr": 1.0, "meta_lr": 1e-3},
    "transfer": {},
}
_MODELS = ("maml-soel-mlp", "maml-sgd-mlp", "transfer-mlp")
_RULES = {"maml-soel-mlp": "soel", "maml-sgd-mlp": "sgd", "transfer-mlp": "transfer"}
_DESCR = {
    "soel": "CUBA-LIF MLP, MAML (first order) with the SOEL error-triggered 3-factor rule on the last layer",
    "sgd": "CUBA-LIF MLP, MAML (first order) with an SGD inner loop on the last layer",
    "transfer": "CUBA-LIF MLP pre-trained on meta-train classes; fresh last layer fit on the shot with SGD",
}

PLUGIN = {
    "emulators": {
        "loihi2": {
            "target": "implementations.emulators.loihi2:LOIHI2",
            "description": "Intel Loihi 2 fixed point + learning engine; per-op energy/latency (Loihi 1 figures)",
        },
    },
    "datasets": {
        "double-digits-events": {
            "target": "suite.data.double_nmnist:DOUBLE_DIGITS_EVENTS",
            "description": "pairs of scikit-learn digits (100 classes) as 3-saccade DVS events; 64/16/20 class split",
        },
        "dvsgesture": {
            "target": "suite.data.dvsgesture:DVSGESTURE",
            "description": "DVSGesture (tonic layout) as (user, gesture) classes; users 1-23 / 24-29; offline: synthetic",
        },
        "double-nmnist": {
            "target": "suite.data.double_nmnist:DOUBLE_NMNIST",
            "description": "Double NMNIST from NMNIST .bin files (tonic layout); offline: synthetic NMNIST",
        },
    },
    "protocols": {
        "maml-few-shot": {
            "target": "implementations.loihi_one_shot.maml:run",
            "description": "MAML / transfer learning over N-way K-shot episodes with a plastic last layer",
        },
    },
    "models": {
        name: {
            "target": "implementations.loihi_one_shot.mlp:build_cuba_mlp",
            "framework": "torch",
            "protocols": ["maml-few-shot"],
            "rule": _RULES[name],
            "description": _DESCR[_RULES[name]],
            "scales": {"smoke": {**_SMOKE_MODEL, **_SMOKE_RULE[_RULES[name]]}, "paper": _PAPER_MODEL},
        }
        for name in _MODELS
    },
    "tasks": {
        "double-digits-5way1shot": {
            "protocol": "maml-few-shot",
            "dataset": "double-digits-events",
            "description": "5-way 1-shot on pairs of sklearn digits as saccade events (offline stand-in, card P10 §4)",
            "scales": {
                "smoke": {"nb_steps": 20, "upsample": 1, "samples_per_class": 12, **_SMOKE_PROTOCOL},
                "paper": {"nb_steps": 100, "upsample": 2, "samples_per_class": 40, **_PAPER_PROTOCOL},
            },
        },
        "dvsgesture-5way1shot": {
            "protocol": "maml-few-shot",
            "dataset": "dvsgesture",
            "description": "5-way 1-shot over (user, gesture) classes; users 1-23 meta-train, 24-29 meta-test",
            "scales": {
                "smoke": {"nb_steps": 20, "dt_ms": 10, "chunks": 4, "pool": 16, **_SMOKE_PROTOCOL},
                "paper": {"nb_steps": 100, "dt_ms": 1, "chunks": 20, "pool": 4, **_PAPER_PROTOCOL},
            },
        },
        "double-nmnist-5way1shot": {
            "protocol": "maml-few-shot",
            "dataset": "double-nmnist",
            "description": "5-way 1-shot Double NMNIST (64/16/20 classes); offline: synthetic NMNIST files",
            "scales": {
                "smoke": {"nb_steps": 20, "pool": 6, "samples_per_class": 12, **_SMOKE_PROTOCOL},
                "paper": {"nb_steps": 100, "pool": 2, "samples_per_class": 40, **_PAPER_PROTOCOL},
            },
        },
    },
    "plans": {
        "p10-loihi-one-shot-paper": {"path": "plans/p10-loihi-one-shot-paper.yaml"},
        "p10-loihi-one-shot-smoke": {"path": "plans/p10-loihi-one-shot-smoke.yaml"},
    },
    "figures": {
        "loihi-one-shot": {
            "target": "implementations.loihi_one_shot.figures:one_shot_figure",
            "description": "one-shot accuracy per method and emulator; energy per learning update (loihi2)",
        },
    },
    "claims": {
        "P10": {
            "package": "implementations.loihi_one_shot",
            "file": "claims.yaml",
            "description": "meta-learned plasticity on Loihi",
        },
    },
}
