"""The suite's own plugin table: the ``ideal`` emulator, built-in datasets and the no-op benchmark.

The no-op task/model/protocol measure the harness itself (scheduling, records) with no
training in the way; they are what ``benchmarks/test_harness_overhead.py`` runs.
"""

from __future__ import annotations

PLUGIN = {
    "emulators": {
        "ideal": {
            "target": "suite.emulator:IDEAL",
            "description": "float32 digital execution, no hardware constraint, no cost model",
        },
    },
    "protocols": {
        "noop": {"target": "suite.noop:run", "description": "does nothing; measures harness overhead"},
    },
    "tasks": {
        "noop": {"protocol": "noop", "description": "no data, no training (harness overhead)", "scales": {"smoke": {}}},
    },
    "models": {
        "noop": {"target": "suite.noop:build", "framework": "none", "protocols": ["noop"], "description": "no model"},
    },
    "datasets": {
        "shd": {
            "target": "suite.data.shd:SHD",
            "description": "Spiking Heidelberg Digits (700 channels, 20 classes); offline: synthetic-shd in the same layout",
        },
        "digits-spikes": {
            "target": "suite.data.digits:DIGITS_SPIKES",
            "description": "scikit-learn digits (8x8, 10 classes) as Bernoulli rate-coded spikes, 64 inputs",
        },
    },
}
