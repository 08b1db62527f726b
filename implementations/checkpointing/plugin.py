"""Plugin table of the P05 package (double checkpointing): declarative, imports nothing heavy.

Smoke scale: card P05 §6 (N = 128, T = 256, B = 2, ρ ≈ 0.05; local C = 16, remote C = 16,
double C1 = 64 / C2 = 8). Paper scale: the largest measured run that fits a node (N = 1024,
T = 4096) plus the emulator's questions at N ∈ {256, 1024, 4096} and T ∈ {10³, 10⁴, 10⁵}.
"""

_DESC = "BPTT through {layers} N→N LIF layers with {what} (card P05 §3)"
_MODELS = {
    "bptt-full": ("build_none", "no checkpointing (plain BPTT)"),
    "local-checkpointing": ("build_local", "local checkpoints every C steps"),
    "recursive-checkpointing": ("build_recursive", "recursive halving (binomial) checkpoints"),
    "remote-checkpointing": ("build_remote", "remote (off-chip) checkpoints every C steps"),
    "double-checkpointing": ("build_double", "remote checkpoints every C1 and local every C2"),
}

PLUGIN = {
    "protocols": {
        "checkpointing": {
            "target": "implementations.checkpointing.protocol:run",
            "description": "run a checkpointing strategy, compare gradients with BPTT, validate the IPU memory model",
        },
    },
    "models": {
        name: {
            "target": f"implementations.checkpointing.model:{builder}",
            "framework": "torch",
            "protocols": ["checkpointing"],
            "description": _DESC.format(layers=2, what=what),
        }
        for name, (builder, what) in _MODELS.items()
    },
    "emulators": {
        "ipu": {
            "target": "implementations.emulators.ipu:IPU",
            "description": "Graphcore IPU (1472 tiles x 624 KiB): memory/time model of checkpointed BPTT (card P05)",
            "models": list(_MODELS),
        },
    },
    "tasks": {
        "checkpointing": {
            "protocol": "checkpointing",
            "description": "Bernoulli input spikes, summed-output loss; measured memory/recompute vs the IPU model",
            "primary_metric": "local_peak_bytes",
            "scales": {
                "smoke": {"n": 128, "T": 256, "batch": 2, "rho_in": 0.05},
                "paper": {"n": 1024, "T": 4096, "batch": 2, "rho_in": 0.05, "ipu_T": 10000},
                "paper-T100k": {"n": 1024, "T": 4096, "batch": 2, "rho_in": 0.05, "ipu_T": 100000},
            },
        },
    },
    "figures": {
        "checkpointing-tradeoff": {"target": "implementations.checkpointing.figures:tradeoff"},
    },
    "claims": {
        "P05": {
            "package": "implementations.checkpointing",
            "file": "claims.yaml",
            "description": "double checkpointing",
        },
    },
}
