"""Plugin table of the P04 package (sparse e-prop): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P04": {"package": "implementations.eprop", "file": "claims.yaml", "description": "sparse e-prop"},
    },
}
