"""Fresh-process probe for ``memory_scaling``: compile and run one gradient step, print peak RSS.

Run as ``python -m implementations.eprop.memory_probe '<json config>'``; prints one JSON line
``{"ru_maxrss_bytes": ...}`` (Linux ``ru_maxrss`` is in KiB).
"""

from __future__ import annotations

import json
import resource
import sys


def main(argv: list[str]) -> None:
    import jax

    from implementations.eprop.memory_scaling import compiled_gradient
    from suite.registry import build_registry

    cfg = json.loads(argv[0])
    net = build_registry().load("models", cfg["model"])(
        hidden=int(cfg["hidden"]), recurrent=bool(cfg.get("recurrent", False))
    )
    cell = net.cell(jax.random.PRNGKey(3))
    compiled, args, _ = compiled_gradient(
        cfg["method"],
        net,
        cell,
        int(cfg["T"]),
        int(cfg["batch"]),
        int(cfg["n_inputs"]),
        int(cfg["n_classes"]),
        float(cfg["rate"]),
    )
    jax.block_until_ready(compiled(*args))
    sys.stdout.write(json.dumps({"ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
