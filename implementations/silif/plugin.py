"""Plugin table of the P01 package (SiLIF / C-SiLIF): declarative, imports nothing heavy.

Models plug into the ``classification`` protocol through the sparch network
(``implementations.silif.models``). Scales: ``smoke`` (2 x 32 units), ``paper`` (2 x 512, dropout
0.25), ``paper-h128`` (C-SiLIF 2 x 128, SHD), ``paper-h1024`` (SiLIF 2 x 1024, GSC) and
``paper-10ms`` (SSC at 10 ms bins). The card did not record the per-config learning rates and
dropout (``configs/*.yaml``, card §3 [unverified]): paper scales keep the task's lr (1e-3) and
dropout 0.25, as the baselines do; C-SiLIF's SSC configs use dt_max = 5 (card §3).
"""

from __future__ import annotations

_SPARCH = (
    "sparch network (card P01 §3): 2 hidden layers Linear -> BatchNorm1d(0.05) -> {cell} -> Dropout, "
    "leaky readout summing softmax over time"
)
_TR = ["classification", "time-resolution"]  # adLIF-family cells also run the P06 protocol
_PAPER = {"hidden": 512, "dropout": 0.25}
_SCALES = {
    "smoke": {"hidden": 32},
    "paper": _PAPER,
    "paper-10ms": _PAPER,
    "paper-h128": {**_PAPER, "hidden": 128},
    "paper-h1024": {**_PAPER, "hidden": 1024},
}


def _model(builder: str, cell: str, protocols: list[str] | None = None, **fixed: object) -> dict:
    """A registered sparch model; ``fixed`` builder keywords are set at every scale (e.g. ``rf-euler``)."""
    return {
        "target": f"implementations.silif.models:{builder}",
        "framework": "torch",
        "protocols": protocols or ["classification"],
        "description": _SPARCH.format(cell=cell),
        "scales": {name: {**scale, **fixed} for name, scale in _SCALES.items()},
    }


PLUGIN = {
    "models": {
        "silif": _model("build_silif", "SiLIF (learned Δt, log-parametrised decays)", _TR),
        "csilif": _model("build_csilif", "C-SiLIF (complex state, S4D-Lin init)"),
        "cadlif": _model("build_cadlif", "CadLIF (constrained adLIF)", _TR),
        "rf": _model(
            "build_rf",
            "resonate-and-fire, the authors' development form u = (1 + Δλ)(u − s) + I (reconstruction, unverified)",
        ),
        "rf-euler": _model(
            "build_rf",
            "resonate-and-fire, the card's HEAD Euler step u + Δ(λu + I) − s (never spikes after BN: does not learn)",
            input_form="euler",
        ),
        "s4d": _model("build_s4d", "S4D-Lin (non-spiking SSM comparator; layout is a suite choice)"),
    },
    "datasets": {
        "gsc": {
            "target": "suite.data.gsc:GSC",
            "description": "Google Speech Commands v0.02 folder layout, 35 words, 40 Kaldi log-mel features (suite fbank); "
            "offline: synthetic-gsc wavs in the same layout",
        },
        "espeak-gsc": {
            "target": "suite.data.espeak_gsc:ESPEAK_GSC",
            "description": "English and German digits spoken by espeak-ng (needs the Debian package), "
            "written as 16 kHz wavs in the GSC layout; 20 classes, 480/160/160 clips, unseen pitches in valid/test",
        },
        "espeak-shd": {
            "target": "suite.data.espeak_shd:ESPEAK_SHD",
            "description": "the espeak-ng digits as spikes of a 700-channel mel filterbank (suite encoding, needs the "
            "Debian package), in the SHD HDF5 layout; 20 classes, 720/240 clips, unseen voices in test",
        },
        "ssc": {
            "target": "suite.data.ssc:SSC",
            "description": "Spiking Speech Commands (700 channels, 35 classes, train/valid/test); offline: synthetic-ssc",
        },
    },
    "tasks": {
        "gsc": {
            "protocol": "classification",
            "dataset": "gsc",
            "description": "Google Speech Commands v0.02, 35 words, 40 log-mel features per 10 ms frame (98 frames)",
            "scales": {
                "smoke": {"max_samples": 420, "max_test_samples": 105, "epochs": 12, "batch_size": 32, "lr": 1e-2},
                "paper": {"epochs": 100, "batch_size": 128, "lr": 1e-3},
                "paper-h1024": {"epochs": 100, "batch_size": 128, "lr": 1e-3},
            },
        },
        "espeak-gsc": {
            "protocol": "classification",
            "dataset": "espeak-gsc",
            "description": "espeak-ng digits (English 0-9, German 10-19) through the GSC wav -> 40 log-mel pipeline",
            "scales": {
                "smoke": {"epochs": 12, "batch_size": 32, "lr": 1e-2},
                "paper": {"epochs": 100, "batch_size": 128, "lr": 1e-3},
            },
        },
        "espeak-shd": {
            "protocol": "classification",
            "dataset": "espeak-shd",
            "description": "espeak-ng digits as 700-channel spikes through the SHD pipeline (140 pooled inputs); "
            "validation carved from train (SHD has no validation split)",
            "scales": {
                "smoke": {"nb_steps": 50, "max_time": 1.0, "pool": 5, "epochs": 20, "batch_size": 32, "lr": 1e-2},
                "paper": {"nb_steps": 250, "max_time": 1.0, "pool": 5, "epochs": 100, "batch_size": 128, "lr": 1e-3},
            },
        },
        "ssc": {
            "protocol": "classification",
            "dataset": "ssc",
            "description": "Spiking Speech Commands, 35 classes, 140 pooled inputs; validation carved from train "
            "(the classification protocol reads train and test only)",
            "scales": {
                "smoke": {
                    "nb_steps": 50,
                    "max_time": 1.0,
                    "pool": 5,
                    "max_samples": 700,
                    "max_test_samples": 210,
                    "epochs": 20,
                    "batch_size": 32,
                    "lr": 1e-2,
                },
                "paper": {"nb_steps": 300, "max_time": 1.2, "pool": 5, "epochs": 100, "batch_size": 128, "lr": 1e-3},
                "paper-10ms": {
                    "nb_steps": 100,
                    "max_time": 1.0,
                    "pool": 5,
                    "epochs": 100,
                    "batch_size": 128,
                    "lr": 1e-3,
                },
            },
        },
    },
    "claims": {
        "P01": {"package": "implementations.silif", "file": "claims.yaml", "description": "SiLIF / C-SiLIF"},
    },
}
