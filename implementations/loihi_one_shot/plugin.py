"""Plugin table of the P10 package (meta-learned plasticity on Loihi): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P10": {
            "package": "implementations.loihi_one_shot",
            "file": "claims.yaml",
            "description": "meta-learned plasticity on Loihi",
        },
    },
}
