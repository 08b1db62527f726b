"""Plugin table of the P01 package (SiLIF / C-SiLIF): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P01": {"package": "implementations.silif", "file": "claims.yaml", "description": "SiLIF / C-SiLIF"},
    },
}
