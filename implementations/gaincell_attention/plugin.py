"""Plugin table of the P08 package (gain-cell attention): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P08": {
            "package": "implementations.gaincell_attention",
            "file": "claims.yaml",
            "description": "gain-cell attention",
        },
    },
}
