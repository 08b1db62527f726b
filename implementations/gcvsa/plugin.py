"""Plugin table of the P03 package (GC-VSA): declarative, imports nothing heavy.

Every task's scale carries the grid-code geometry (``n_scales``, ``n_orientations``,
``lambda0``, ``ratio``, ``m``) because the card uses different codes per task (smoke: S=3, O=2,
lambda = 0.30/0.43/0.60 m for path integration; K = 128 modules, S=8 from 0.1 m, O=16 for the
memory and family trees). Paper scale is the card's suite choice (§6), the paper's own settings
being unknown. Results are "GC-VSA (reference reconstruction)".
"""

_PATH = {"n_scales": 3, "n_orientations": 2, "lambda0": 0.30, "ratio": 1.42, "m": 8}
_K128 = {"n_scales": 8, "n_orientations": 16, "lambda0": 0.10, "ratio": 1.42, "m": 8}
_PROTOCOLS = ["gcvsa-grid-code", "gcvsa-path-integration", "gcvsa-what-where-when", "gcvsa-family-tree"]

PLUGIN = {
    "protocols": {
        "gcvsa-grid-code": {
            "target": "implementations.gcvsa.protocol:run_grid_code",
            "description": "gridness of cube neurons, binding/unbinding and cube identities (card P03 §3)",
        },
        "gcvsa-path-integration": {
            "target": "implementations.gcvsa.protocol:run_path_integration",
            "description": "integrate OU trajectories by binding; RMSE vs time and noise against dead reckoning",
        },
        "gcvsa-what-where-when": {
            "target": "implementations.gcvsa.protocol:run_what_where_when",
            "description": "one bundled scene memory; where/when/what query accuracy vs items and dimension",
        },
        "gcvsa-family-tree": {
            "target": "implementations.gcvsa.protocol:run_family_tree",
            "description": "Hinton's 24-person trees in per-relation role-filler memories; query, composition, analogy",
        },
    },
    "models": {
        "gcvsa": {
            "target": "implementations.gcvsa.grid_code:build",
            "framework": "numpy",
            "protocols": _PROTOCOLS,
            "description": "GC-VSA (reference reconstruction): grid modules of 3 gratings at 120 deg, scale ratio 1.42, "
            "phasor algebra (card P03 §3)",
        },
    },
    "tasks": {
        "grid-code": {
            "protocol": "gcvsa-grid-code",
            "description": "rate maps of cube neurons (gridness) and the algebra's identities",
            "primary_metric": "gridness_score",
            "scales": {
                "smoke": {**_PATH, "resolution": 120, "n_gridness_neurons": 8},
                "paper": {**_PATH, "m": 16, "resolution": 200, "n_gridness_neurons": 64},
            },
        },
        "path-integration": {
            "protocol": "gcvsa-path-integration",
            "description": "OU random walk in a 1 m box, dt 20 ms; position RMSE vs time and phase noise",
            "scales": {
                "smoke": {**_PATH, "n_trajectories": 4, "n_steps": 500, "sigmas": [0.0, 0.01], "sigma": 0.01},
                "paper": {
                    **_PATH,
                    "n_orientations": 4,
                    "n_scales": 6,
                    "m": 16,
                    "n_trajectories": 100,
                    "n_steps": 1000,
                    "sigmas": [0.0, 0.01, 0.05, 0.1],
                    "sigma": 0.05,
                },
            },
        },
        "what-where-when": {
            "protocol": "gcvsa-what-where-when",
            "description": "objects at places and times bundled in one memory; where/when/what queries",
            "scales": {
                "smoke": {
                    **_K128,
                    "n_items": 10,
                    "n_scenes": 3,
                    "items_sweep": [5, 20, 40],
                    "orientations_sweep": [2, 4, 16],
                },
                "paper": {
                    **_K128,
                    "n_items": 50,
                    "n_scenes": 10,
                    "items_sweep": [5, 10, 20, 50, 100, 200],
                    "orientations_sweep": [1, 2, 4, 8, 16],
                },
            },
        },
        "family-tree": {
            "protocol": "gcvsa-family-tree",
            "description": "Hinton's two 12-person families, 12 relations; (a, r, ?) answer sets, grandparent composition",
            "scales": {
                "smoke": {**_K128, "n_draws": 2, "modules_sweep": [8, 16, 32, 64, 128]},
                "paper": {**_K128, "n_draws": 10, "modules_sweep": [4, 8, 16, 32, 64, 96, 128, 256]},
            },
        },
    },
    "figures": {
        "gcvsa": {
            "target": "implementations.gcvsa.figures:gcvsa_figures",
            "description": "path-integration RMSE vs time, a grid cell's rate map, accuracy vs dimension",
        },
    },
    "claims": {
        "P03": {"package": "implementations.gcvsa", "file": "claims.yaml", "description": "GC-VSA"},
    },
}
