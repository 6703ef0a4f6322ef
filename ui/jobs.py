"""Progress of background work, polled without blocking the page."""

from __future__ import annotations

import streamlit as st

from core.jobs import JobRow, dismiss_job, list_active_jobs
from ui.services import current_actor, db, fragment_actor


def _recent_jobs(kind: str) -> list[JobRow]:
    with db() as session:
        return list_active_jobs(session, actor=fragment_actor(session), kind=kind)


def _is_running(job: JobRow) -> bool:
    return job.status in ("pending", "running")


def _dismiss(job_id: int) -> None:
    with db() as session:
        dismiss_job(session, actor=current_actor(), job_id=job_id)


def _progress_text(job: JobRow) -> str:
    if job.status == "pending":
        return f"{job.description}: queued, waiting for a worker to start it"
    return f"{job.description}: {job.progress} of {job.total}"


def _draw(jobs: list[JobRow]) -> None:
    for job in jobs:
        if _is_running(job):
            done = job.progress / job.total if job.total else 0.0
            st.progress(done, text=_progress_text(job))
            continue
        message, dismiss = st.columns([12, 1], vertical_alignment="center")
        if job.status == "finished":
            message.success(f"{job.description}: {job.summary}", icon=":material/mark_email_read:")
        else:
            message.error(f"{job.description}: {job.summary}")
        dismiss.button("Dismiss", key=f"job_dismiss_{job.id}", on_click=_dismiss, args=(job.id,))


@st.fragment(run_every=2)
def _poll(kind: str) -> None:
    jobs = _recent_jobs(kind)
    _draw(jobs)
    if not any(map(_is_running, jobs)):
        st.rerun(scope="app")  # the whole page, so results (Email Status) show


def job_progress(kind: str) -> None:
    """The centre's recent jobs of `kind`; while one runs, refreshed every 2 seconds."""
    jobs = _recent_jobs(kind)
    if any(map(_is_running, jobs)):
        _poll(kind)
    else:
        _draw(jobs)
