"""Run what the app queued, here in the test process, as a consumer's worker would."""

from __future__ import annotations

import datetime as dt

from core import worker  # noqa: F401  (registers every kind of task, as the consumer does)
from core.tasks import huey


def run_queued_tasks(limit: int = 100) -> int:
    """Execute queued tasks, and retries waiting for their delay, until none is left
    (or `limit` ran); returns how many ran."""
    ran = 0
    while ran < limit:
        task = huey.dequeue()
        if task is None:
            waiting = huey.read_schedule(dt.datetime(9999, 1, 1))
            if not waiting:
                return ran
            for retry in waiting:
                retry.eta = None
                huey.enqueue(retry)
            continue
        huey.execute(task)
        ran += 1
    return ran
