"""Plugin table of the P06 package (temporal-resolution adaptation): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P06": {
            "package": "implementations.time_resolution",
            "file": "claims.yaml",
            "description": "temporal-resolution adaptation",
        },
    },
}
