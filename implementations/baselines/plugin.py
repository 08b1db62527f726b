"""The baselines' plugin table: sparch LIF and adLIF, the ``classification`` protocol, SHD tasks.

A plain dict, read through the ``neurorepro.plugins`` entry point ``baselines``; it imports
nothing, so listing names never imports torch.

Scale params are merged task scale -> model scale -> spec overrides (``suite.spec.merged_params``);
``implementations.baselines.classification`` documents which keys are training, data and model
keys. Paper-scale values come from card P01 §3 and the SiLIF repository's ``configs/shd_*.yaml``
(pdrop 0.25, batch 128, nb_steps 250, max_time 1 s, spatial_bin 5; adLIF lr 0.05). The card
leaves LIF's SHD learning rate unrecorded; 1e-3 (the task default) is our choice.
"""

from __future__ import annotations

_SPARCH = (
    "sparch network (card P01 §3): 2 hidden layers Linear -> BatchNorm1d(0.05) -> {cell} -> Dropout, "
    "leaky readout summing softmax over time"
)

PLUGIN = {
    "protocols": {
        "classification": {
            "target": "implementations.baselines.classification:run",
            "description": "train with Adam + ReduceLROnPlateau on a held-out validation split, test the best state once",
        },
    },
    "models": {
        "lif": {
            "target": "implementations.baselines.sparch:build_lif",
            "framework": "torch",
            "protocols": ["classification"],
            "description": _SPARCH.format(cell="LIF"),
            "scales": {"smoke": {"hidden": 32}, "paper": {"hidden": 512, "dropout": 0.25}},
        },
        "adlif": {
            "target": "implementations.baselines.sparch:build_adlif",
            "framework": "torch",
            "protocols": ["classification", "time-resolution"],
            "description": _SPARCH.format(cell="adLIF"),
            "scales": {"smoke": {"hidden": 32}, "paper": {"hidden": 512, "dropout": 0.25, "lr": 0.05}},
        },
    },
    "tasks": {
        "shd": {
            "protocol": "classification",
            "dataset": "shd",
            "description": "Spiking Heidelberg Digits, 20 classes, 140 pooled inputs; clean protocol "
            "(10 % of train held out for validation; card P01 §7)",
            "scales": {
                "smoke": {
                    "nb_steps": 50,
                    "max_time": 1.0,
                    "pool": 5,
                    "max_samples": 600,
                    "max_test_samples": 200,
                    "epochs": 20,
                    "batch_size": 32,
                    "lr": 1e-2,
                },
                "paper": {
                    "nb_steps": 250,
                    "max_time": 1.0,
                    "pool": 5,
                    "epochs": 100,
                    "batch_size": 128,
                    "lr": 1e-3,
                },
                # the same data and training with 128 hidden neurons (C-SiLIF 38.7k, claim P01-1)
                "paper-h128": {
                    "nb_steps": 250,
                    "max_time": 1.0,
                    "pool": 5,
                    "epochs": 100,
                    "batch_size": 128,
                    "lr": 1e-3,
                    "hidden": 128,
                },
            },
        },
        "digits-spikes": {
            "protocol": "classification",
            "dataset": "digits-spikes",
            "description": "scikit-learn's 8x8 digits as spike trains (real, shipped data), 10 classes",
            "scales": {
                "smoke": {
                    "nb_steps": 25,
                    "max_samples": 600,
                    "max_test_samples": 300,
                    "epochs": 20,
                    "batch_size": 32,
                    "lr": 1e-2,
                },
            },
        },
    },
}
