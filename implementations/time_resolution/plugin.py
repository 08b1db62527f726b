"""Plugin table of the P06 package (temporal-resolution adaptation): declarative, imports nothing heavy.

The ``time-resolution`` protocol trains an adLIF-family sparch network (silif, cadlif; adlif once
the baselines table lists this protocol for it) at a source bin width and evaluates it zero-shot at
Δ_s/k with the mappings of card P06 §3 (reference re-discretisations, labelled as reconstructions).
Smoke: synthetic SHD at Δ_s = 20 ms (51 bins of ``np.digitize`` over 1 s), k in {2, 4, 0.5}.
Paper: Δ_s = 10 ms (101 bins), 2 x 256 units (card P06 §6, suite choice).
"""

from __future__ import annotations

PLUGIN = {
    "protocols": {
        "time-resolution": {
            "target": "implementations.time_resolution.protocol:run",
            "description": "train at Δ_s, evaluate zero-shot at Δ_s/k with M0-M4 (card P06; reference re-discretisations)",
        },
    },
    "tasks": {
        "shd-resolution": {
            "protocol": "time-resolution",
            "dataset": "shd",
            "description": "SHD trained at Δ_s, evaluated at Δ_s/k (k = 2, 4, 1/2) without retraining; 140 pooled inputs",
            "scales": {
                "smoke": {
                    "nb_steps": 51,
                    "max_time": 1.0,
                    "pool": 5,
                    "max_samples": 600,
                    "max_test_samples": 200,
                    "epochs": 12,
                    "batch_size": 32,
                    "lr": 1e-2,
                    "ratios": [2, 4, 0.5],
                },
                "paper": {
                    "nb_steps": 101,
                    "max_time": 1.0,
                    "pool": 5,
                    "epochs": 100,
                    "batch_size": 128,
                    "lr": 1e-3,
                    "ratios": [2, 4, 0.5],
                    "oracle": True,
                },
            },
        },
        "mswc-resolution": {
            "protocol": "time-resolution",
            "dataset": "mswc",
            "description": "MSWC keywords (en + de) as 80 log-mel level-crossing event channels, trained at Δ_s, "
            "evaluated at Δ_s/k without retraining",
            "scales": {
                "smoke": {
                    "nb_steps": 51,
                    "max_time": 1.0,
                    "max_samples": 320,
                    "max_test_samples": 80,
                    "epochs": 12,
                    "batch_size": 32,
                    "lr": 1e-2,
                    "ratios": [2, 4, 0.5],
                },
                "paper": {
                    "nb_steps": 101,
                    "max_time": 1.0,
                    "epochs": 100,
                    "batch_size": 128,
                    "lr": 1e-3,
                    "ratios": [2, 4, 0.5],
                    "oracle": True,
                },
            },
        },
        "nmnist-resolution": {
            "protocol": "time-resolution",
            "dataset": "nmnist",
            "description": "N-MNIST trained at Δ_s, evaluated at Δ_s/k without retraining; 2x2 pixel pooling (578 inputs)",
            "scales": {
                "smoke": {
                    "nb_steps": 31,
                    "max_time": 0.3,
                    "pool": 2,
                    "max_samples": 600,
                    "max_test_samples": 200,
                    "epochs": 8,
                    "batch_size": 32,
                    "lr": 1e-2,
                    "ratios": [2, 4, 0.5],
                },
                "paper": {
                    "nb_steps": 76,
                    "max_time": 0.3,
                    "pool": 2,
                    "epochs": 100,
                    "batch_size": 128,
                    "lr": 1e-3,
                    "ratios": [2, 4, 0.5],
                    "oracle": True,
                },
            },
        },
    },
    "datasets": {
        "mswc": {
            "target": "suite.data.mswc:MSWC",
            "description": "MSWC keyword spotting (per-language CSV + 16 kHz wav clips) as level-crossing log-mel events; "
            "offline: synthetic-mswc (en, de; 20 keywords each)",
        },
        "nmnist": {
            "target": "suite.data.nmnist:NMNIST",
            "description": "N-MNIST (34x34x2 events, 10 classes) in tonic's binary layout; offline: digits-nmnist "
            "(scikit-learn digits through simulated saccades)",
        },
    },
    "figures": {
        "p06-resolution": {
            "target": "implementations.time_resolution.figures:accuracy_vs_ratio",
            "description": "P06: accuracy vs resolution ratio k, one line per mapping, the paper's k = 2 claims marked",
        },
    },
    "claims": {
        "P06": {
            "package": "implementations.time_resolution",
            "file": "claims.yaml",
            "description": "temporal-resolution adaptation",
        },
    },
}
