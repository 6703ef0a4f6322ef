"""The Huey consumer: the queue with every kind of background work registered.
Run by `python -m core.cli worker` (which `make run` starts beside the app)."""

from __future__ import annotations

from core import claims, exports, mail, notices
from core.tasks import huey

REGISTERED = (
    exports.make_export,
    notices.send_candidate_emails,
    mail.deliver_queued,
    claims.import_claims,
)


def run_consumer(*, workers: int, worker_type: str) -> None:
    """Work until stopped (SIGINT finishes running tasks first; SIGTERM stops at once,
    and the periodic requeue gives a cut-off job to another worker)."""
    huey.create_consumer(
        workers=workers, worker_type=worker_type, max_delay=1.0, check_worker_health=True
    ).run()
