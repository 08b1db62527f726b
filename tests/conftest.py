"""Test-wide settings: Ray must never join a stranger's cluster or phone home."""

from __future__ import annotations

import os

os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def ray_cluster():
    """One embedded two-CPU Ray cluster for the whole session, shut down at the end."""
    import ray

    from suite.runner.ray_runner import loopback_only

    with loopback_only("127.0.0.1"):  # Ray would otherwise rewrite 127.0.0.1 to a routable address
        ray.init(
            address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", logging_level="ERROR"
        )
    yield ray
    ray.shutdown()
