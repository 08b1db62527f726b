"""The ``inline`` executor: every spec in this process, one after another (debugging, tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from suite.runner.driver import OnResult, WorkItem
from suite.runner.execute import execute


class InlineExecutor:
    name = "inline"

    def run(self, items: Iterable[WorkItem], context: Mapping[str, Any], on_result: OnResult) -> None:
        for item in items:
            on_result(item, execute(item.spec.to_dict(), context))
