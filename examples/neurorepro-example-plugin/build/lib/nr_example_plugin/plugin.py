"""The plugin table NeuroRepro reads through the ``neurorepro.plugins`` entry point.

It imports nothing: ``neurorepro list`` reads it without importing torch. The model's factory is
named as ``module:attribute`` and imported only when a benchmark runs.
"""

PLUGIN = {
    "models": {
        "gru": {
            "target": "nr_example_plugin.model:build_gru",
            "framework": "torch",
            # the suite's classification protocol trains and evaluates it on shd, digits-spikes, ...
            "protocols": ["classification"],
            "description": "one-layer GRU, mean-pooled over time, linear readout (example plugin)",
            "scales": {"smoke": {"hidden": 32}, "paper": {"hidden": 256}},
        },
    },
}
