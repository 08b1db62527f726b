"""Example NeuroRepro plugin: a non-spiking GRU baseline for the classification tasks."""
