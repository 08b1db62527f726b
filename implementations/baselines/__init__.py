"""Baseline spiking networks (sparch LIF and adLIF) and the ``classification`` protocol.

Importing this package is cheap: the plugin table (``plugin.py``) names its targets as strings,
so torch is imported only when a model or the protocol is used.
"""
