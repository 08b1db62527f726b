"""Plugin table of the P03 package (GC-VSA): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P03": {"package": "implementations.gcvsa", "file": "claims.yaml", "description": "GC-VSA"},
    },
}
