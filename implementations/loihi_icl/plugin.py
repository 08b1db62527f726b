"""Plugin table of the P07 package (Loihi transformer ICL): declarative, imports nothing heavy."""

PLUGIN = {
    "claims": {
        "P07": {"package": "implementations.loihi_icl", "file": "claims.yaml", "description": "Loihi transformer ICL"},
    },
}
