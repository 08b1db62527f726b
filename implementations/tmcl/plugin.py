"""Plugin table of the P02 package (TMCL): declarative, imports nothing heavy.

Models ``tmcl`` (vi + mi), ``vi`` (SSL only) and ``supervised`` (fine-tuning on the same labels)
share the ``continual`` protocol. Tasks: ``digits-ci`` (scikit-learn digits, 5 x 2 classes, the
card's smoke stand-in) and ``cifar100-ci`` (CIFAR-100 5 x 20, class order seed 5, from a local
copy in torchvision's pickle layout). Scale names of ``cifar100-ci`` give the label fraction
(``paper-1pct``, ``paper-10pct``, ``paper-100pct``; ``paper`` = 1 %); those of ``digits-ci`` too
(``smoke`` = 10 % as in the card, ``smoke-1pct``, ``smoke-100pct``).
"""

_SMOKE = {
    "pretrain_epochs": 20,
    "cons_epochs": 10,
    "task_steps": 30,
    "batch_size": 64,
    "lr": 1e-3,  # card §3: lr 1e-3 * B / 256
    "probe_epochs": 30,
}
# Card P02 §3: 250 pre-training epochs, 50 task-learning and 200 consolidation epochs per session,
# batch 256, lr 1e-3 * B / 256, 10 warm-up epochs. Stage A "epochs" become steps here (see README).
_PAPER = {
    "n_sessions": 5,
    "pretrain_epochs": 250,
    "cons_epochs": 200,
    "task_steps": 500,
    "task_batch": 64,
    "batch_size": 256,
    "lr": 1e-3,
    "warmup_epochs": 10,
    "probe_epochs": 100,
    "hflip": True,
    "max_shift": 4,
}
_MODEL_SCALES = {
    **{
        s: {"arch": "mlp", "hidden": 128, "features": 128, "head_width": 128}
        for s in ("smoke", "smoke-1pct", "smoke-100pct")
    },
    **{
        s: {"arch": "vit", "dim": 384, "depth": 6, "heads": 12, "patch": 4, "head_width": 2048}
        for s in ("paper", "paper-1pct", "paper-10pct", "paper-100pct")
    },
}
_DESC = "TMCL network (card P02 §3): backbone with per-class (1 + g_c) (Wx + s) + b_c modulations, {what}"

PLUGIN = {
    "protocols": {
        "continual": {
            "target": "implementations.tmcl.protocol:run",
            "description": "class-incremental sessions with sparse labels; kNN + linear probe after every session",
        },
    },
    "models": {
        "tmcl": {
            "target": "implementations.tmcl.model:build_tmcl",
            "framework": "torch",
            "protocols": ["continual"],
            "description": _DESC.format(what="Stage A modulations + Stage B view and modulation invariance (vi_mi)"),
            "scales": _MODEL_SCALES,
        },
        "vi": {
            "target": "implementations.tmcl.model:build_vi",
            "framework": "torch",
            "protocols": ["continual"],
            "description": _DESC.format(what="SSL only: multi-view Barlow Twins consolidation (vi)"),
            "scales": _MODEL_SCALES,
        },
        "supervised": {
            "target": "implementations.tmcl.model:build_supervised",
            "framework": "torch",
            "protocols": ["continual"],
            "description": _DESC.format(what="supervised fine-tuning (cross-entropy) on the same labels, no replay"),
            "scales": _MODEL_SCALES,
        },
    },
    "tasks": {
        "digits-ci": {
            "protocol": "continual",
            "dataset": "digits-ci",
            "description": "scikit-learn digits 8x8, 5 sessions x 2 classes (class order seed 5)",
            "scales": {
                "smoke": {**_SMOKE, "label_fraction": 0.10},
                "smoke-1pct": {**_SMOKE, "label_fraction": 0.01},
                "smoke-100pct": {**_SMOKE, "label_fraction": 1.0},
            },
        },
        "cifar100-ci": {
            "protocol": "continual",
            "dataset": "cifar100",
            "description": "CIFAR-100 5 x 20 class-incremental (cassle_s5 class order, seed 5), local pickle files",
            "scales": {
                "paper": {**_PAPER, "label_fraction": 0.01},
                "paper-1pct": {**_PAPER, "label_fraction": 0.01},
                "paper-10pct": {**_PAPER, "label_fraction": 0.10},
                "paper-100pct": {**_PAPER, "label_fraction": 1.0},
                "smoke": {
                    **_SMOKE,
                    "pretrain_epochs": 2,
                    "cons_epochs": 1,
                    "task_steps": 5,
                    "probe_epochs": 5,
                    "label_fraction": 0.1,
                    "hflip": True,
                },
            },
        },
    },
    "datasets": {
        "digits-ci": {
            "target": "implementations.tmcl.digits_ci:DIGITS_CI",
            "description": "scikit-learn digits as 8x8 images (real, shipped), class order seed 5",
        },
        "cifar100": {
            "target": "suite.data.cifar:CIFAR100_DATA",
            "description": "CIFAR-100 (torchvision python-pickle layout); offline: a synthetic stand-in in the same layout",
        },
    },
    "figures": {
        "tmcl": {
            "target": "implementations.tmcl.figures:tmcl_figures",
            "description": "kNN accuracy on the classes seen so far after every session, per method",
        },
    },
    "claims": {
        "P02": {"package": "implementations.tmcl", "file": "claims.yaml", "description": "TMCL"},
    },
}
