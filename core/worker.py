"""The Huey consumer: the queue with every kind of background work registered.
Run by `python -m core.cli worker` (which `make run` starts beside the app)."""

from __future__ import annotations

import os

from core import claims, exports, mail, notices
from core.config import get_settings
from core.tasks import huey

REGISTERED = (
    exports.make_export,
    notices.send_candidate_emails,
    mail.deliver_queued,
    claims.import_claims,
)


def give_way_to_the_app() -> None:
    """Lower this process's CPU priority (and its workers', which inherit it): where
    a worker shares cores with the app, a page a user waits for comes before an export."""
    os.nice(get_settings().worker_niceness)


def run_consumer(*, workers: int, worker_type: str) -> None:
    """Work until stopped (SIGINT finishes running tasks first; SIGTERM stops at once,
    and the periodic requeue gives a cut-off job to another worker)."""
    give_way_to_the_app()
    huey.create_consumer(
        workers=workers, worker_type=worker_type, max_delay=1.0, check_worker_health=True
    ).run()
