"""Plugin table of the P02 package (TMCL): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P02": {"package": "implementations.tmcl", "file": "claims.yaml", "description": "TMCL"},
    },
}
