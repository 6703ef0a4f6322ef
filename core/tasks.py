"""The task engine: Huey, run by its own consumer process (`make run` starts one beside
the app; at scale, as many as needed, see docs/scale.md). The app only queues work.

Huey's storage follows the settings: a SQLite file beside the app's SQLite database, a
`huey` schema in the app's PostgreSQL database, or Redis when QUEUE_URL says so. Each kind
of work registers its task here with `job_task` where it lives (core/exports.py,
core/notices.py); this module imports none of them. What users see (status, progress,
result) is the job's row in the app's database; Huey carries the execution, the capped
retries, and the periodic task that queues again a job whose worker died.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from huey import Huey, crontab
from huey.api import Task, TaskWrapper
from huey.storage import BaseStorage, RedisStorage, SqliteStorage
from sqlalchemy import URL, event, make_url
from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.errors import PortalError
from core.jobs import Claim, Superseded, claim_job, fail_job, heartbeat, release_job, stale_jobs

log = logging.getLogger(__name__)
_TASKS: dict[str, TaskWrapper] = {}


def _postgres_storage(name: str, url: URL) -> BaseStorage:
    """Huey's SQL storage (peewee) in a `huey` schema of the app's database, so its
    tables never mix with the app's own."""
    from huey.contrib.sql_huey import SqlStorage
    from playhouse.postgres_ext import Psycopg3Database

    database = Psycopg3Database(
        url.database,
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        options="-c search_path=huey",
    )
    with database:
        database.execute_sql("CREATE SCHEMA IF NOT EXISTS huey")
    return SqlStorage(name, database=database)


def storage_for(settings: Settings) -> BaseStorage:
    """The queue's storage for these settings (see the module docstring)."""
    if settings.queue_url:
        # One Redis may serve several portals: each database gets its own queue.
        name = "portal-" + hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
        return RedisStorage(name, url=settings.queue_url)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        return _postgres_storage("portal", url)
    if not url.database:
        raise ValueError("An in-memory SQLite database has no file to keep the queue beside")
    database = Path(url.database)
    return SqliteStorage("portal", filename=str(database.with_name(f"{database.stem}-queue.db")))


class PortalHuey(Huey):
    """Huey whose storage is built on first use from the current settings, so that
    importing a task module never connects anywhere."""

    _storage: BaseStorage | None = None

    def create_storage(self) -> None:
        return None

    @property
    def storage(self) -> BaseStorage:
        if self._storage is None:
            self._storage = storage_for(get_settings())
        return self._storage

    @storage.setter
    def storage(self, value: BaseStorage | None) -> None:
        self._storage = value


huey = PortalHuey("portal", results=False, utc=True)


def reconnect() -> None:
    """Forget the storage, so that the next use follows the settings again."""
    if huey._storage is not None:
        huey._storage.close()
    huey.storage = None


def describe_failure(error: Exception) -> str:
    """Why a job failed, in words a centre user can read."""
    if isinstance(error, PortalError):
        return error.message
    if isinstance(error, OSError):
        return f"A file could not be written or read ({error.strerror or error})."
    return f"An unexpected error stopped it ({type(error).__name__}); it has been logged."


def _run_job(job_id: int, work: Callable[[Claim], None], *, final: bool) -> None:
    claim = claim_job(job_id)
    if claim is None:
        return
    try:
        with heartbeat(claim):
            work(claim)
    except Superseded:
        log.warning("job %s was taken over by another worker", job_id)
    except Exception as error:
        (fail_job if final else release_job)(claim, describe_failure(error))
        raise


def job_task(kind: str) -> Callable[[Callable[[Claim], None]], TaskWrapper]:
    """Register `work(claim)` as the Huey task of jobs of `kind`: claimed, kept alive by
    a heartbeat, tried again TASK_RETRIES times on an error, then failed with the reason."""
    settings = get_settings()

    def register(work: Callable[[Claim], None]) -> TaskWrapper:
        def run(job_id: int, task: Task | None = None) -> None:
            _run_job(job_id, work, final=task is None or not task.retries)

        wrapper = huey.task(
            retries=settings.task_retries,
            retry_delay=settings.task_retry_delay,
            context=True,
            name=f"job.{kind}",
        )(run)
        _TASKS[kind] = wrapper
        return wrapper

    return register


def queue_job(kind: str, job_id: int) -> None:
    _TASKS[kind](job_id)


def after_commit(session: Session, queue: Callable[[], object]) -> None:
    """Call `queue` (which puts a task on the queue) once the session's work is
    committed, so a worker finds its rows. Should the queue be unreachable, the error is
    logged and the periodic tasks pick the work up later."""

    def queue_now(_session: Session) -> None:
        try:
            queue()
        except Exception:
            log.exception("a task could not be queued; a periodic task will pick it up")

    event.listen(session, "after_commit", queue_now, once=True)


def queue_after_commit(session: Session, kind: str, job_id: int) -> None:
    """Queue the job's task once its row is committed."""
    after_commit(session, lambda: queue_job(kind, job_id))


@huey.periodic_task(crontab(minute="*"), name="requeue_stale_jobs")
def requeue_stale_jobs() -> int:
    """Queue again every job whose worker stopped beating its heartbeat."""
    stale = [(job_id, kind) for job_id, kind in stale_jobs() if kind in _TASKS]
    for job_id, kind in stale:
        log.warning("job %s (%s) has no heartbeat; queued again", job_id, kind)
        queue_job(kind, job_id)
    return len(stale)
