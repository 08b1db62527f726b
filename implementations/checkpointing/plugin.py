"""Plugin table of the P05 package (double checkpointing): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P05": {
            "package": "implementations.checkpointing",
            "file": "claims.yaml",
            "description": "double checkpointing",
        },
    },
}
