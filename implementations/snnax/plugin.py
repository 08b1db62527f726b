"""Plugin table of the P09 package (SNNAX): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P09": {"package": "implementations.snnax", "file": "claims.yaml", "description": "SNNAX"},
    },
}
