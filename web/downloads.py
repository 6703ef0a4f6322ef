"""Downloads as HTTP responses streamed from storage: export zips (with Range, or a
redirect to a short-lived presigned address on S3), a certificate's document card PDF,
a candidate's own certificate PDF, and CSVs of a search and of the batches table
(streamed as they are read). Each request checks the sign-in cookie and the centre in
core; a signed-out request, or another centre's record, answers 404 like a missing one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import escape
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route

from core.batches import BatchFilters, batches_csv_stream, filters_from_query, filters_to_query
from core.candidate_links import candidate_pdf, open_candidate_link
from core.certificates import get_document_card
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput, PortalError
from core.exports import ExportUnavailable, find_download
from core.files import export_file_size, presigned_export_url, read_export_range
from core.pdf import document_card_pdf
from core.search import (
    SearchCriteria,
    criteria_from_query,
    criteria_to_query,
    csv_file_name,
    search_csv_stream,
)
from core.sessions import signed_in_actor
from core.users import Actor

EXPORT_PATH = "/download/export/{export_id:int}"
CARD_PATH = "/download/certificate/{certificate_id:int}"
CANDIDATE_PATH = "/download/my-certificate"
SEARCH_CSV_PATH = "/download/search.csv"
BATCHES_CSV_PATH = "/download/batches.csv"
PRIVATE = {"Cache-Control": "private, no-store"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class _Missing(Exception):
    """Answer 404: signed out, another centre's, gone, or never there."""


def export_link(export_id: int) -> str:
    return EXPORT_PATH.replace("{export_id:int}", str(export_id))


def card_link(certificate_id: int) -> str:
    return CARD_PATH.replace("{certificate_id:int}", str(certificate_id))


def candidate_link(token: str) -> str:
    return f"{CANDIDATE_PATH}?{urlencode({'token': token})}"


def search_csv_link(criteria: SearchCriteria) -> str:
    return f"{SEARCH_CSV_PATH}?{urlencode(criteria_to_query(criteria))}"


def batches_csv_link(filters: BatchFilters) -> str:
    return f"{BATCHES_CSV_PATH}?{urlencode(filters_to_query(filters))}"


def attachment(name: str) -> str:
    """Content-Disposition naming the file (an ASCII fallback and the UTF-8 name)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _actor(request: Request, session) -> Actor:
    actor = signed_in_actor(session, cookie=request.cookies.get(get_settings().cookie_name))
    if actor is None:
        raise _Missing
    return actor


def _not_found() -> Response:
    return PlainTextResponse("Not Found", 404, headers=PRIVATE)


def _unavailable(message: str) -> Response:
    """The user's own export with nothing to download (a page left open past its
    expiry): a page saying why, with the way back."""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Nothing to download</title></head><body>"
        f"<p>{escape(message)}</p>"
        '<p><a href="/document-downloads">Back to Document Downloads</a></p></body></html>'
    )
    return HTMLResponse(body, 410, headers=PRIVATE)


# Export zips ----------------------------------------------------------------------------


def _requested_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) of a single `bytes=` range, None for the whole file, "bad" when
    it cannot be satisfied. Several ranges at once are answered with the whole file."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    return "bad" if start > end or start >= size else (start, end)


def stored_file_response(request: Request, stored_as: str, name: str, media_type: str) -> Response:
    """A stored file: a redirect to a presigned address where storage has one, else the
    bytes streamed a chunk at a time, with Range."""
    settings = get_settings()
    signed = presigned_export_url(
        stored_as, seconds=settings.presigned_url_seconds, download_as=name
    )
    if signed is not None:
        return RedirectResponse(signed, 303, headers=PRIVATE)
    size = export_file_size(stored_as)
    headers = {
        **PRIVATE,
        "Content-Disposition": attachment(name),
        "Accept-Ranges": "bytes",
    }
    wanted = _requested_range(request.headers.get("range"), size)
    if wanted == "bad":
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)
    start, end = wanted if isinstance(wanted, tuple) else (0, size - 1)
    headers["Content-Length"] = str(end - start + 1)
    status = 200
    if isinstance(wanted, tuple):
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        status = 206
    body = read_export_range(stored_as, start, end) if size else iter(())
    return StreamingResponse(body, status, headers=headers, media_type=media_type)


def _export(request: Request) -> Response:
    with session_scope() as session:
        actor = _actor(request, session)
        download = find_download(session, actor=actor, export_id=request.path_params["export_id"])
    return stored_file_response(request, download.stored_as, download.name, "application/zip")


# Certificate PDFs -----------------------------------------------------------------------


def _card(request: Request) -> Response:
    with session_scope() as session:
        actor = _actor(request, session)
        card = get_document_card(
            session, actor=actor, certificate_id=request.path_params["certificate_id"]
        )
    headers = {**PRIVATE, "Content-Disposition": attachment(f"certificate-{card.number}.pdf")}
    return Response(document_card_pdf(card), headers=headers, media_type="application/pdf")


def _candidate(request: Request) -> Response:
    """A candidate's own certificate, by the token of their emailed link (no account):
    it stops working when the link expires."""
    token = request.query_params.get("token", "")
    with session_scope() as session:
        mine = open_candidate_link(session, token=token)
    name = f"certificate-{mine.certificate.number}.pdf"
    headers = {**PRIVATE, "Content-Disposition": attachment(name)}
    return Response(candidate_pdf(token=token), headers=headers, media_type="application/pdf")


# CSVs -----------------------------------------------------------------------------------


def _csv_response(chunks: Iterator[bytes], name: str) -> Response:
    headers = {**PRIVATE, "Content-Disposition": attachment(name)}
    return StreamingResponse(chunks, headers=headers, media_type="text/csv; charset=utf-8")


def _search_csv(request: Request) -> Response:
    criteria = criteria_from_query(request.query_params)
    with session_scope() as session:
        actor = _actor(request, session)
        chunks = search_csv_stream(session, actor=actor, criteria=criteria)
    return _csv_response(chunks, csv_file_name(criteria, dt.datetime.now()))


def _batches_csv(request: Request) -> Response:
    filters = filters_from_query(request.query_params)
    with session_scope() as session:
        actor = _actor(request, session)
        chunks = batches_csv_stream(session, actor=actor, filters=filters)
    return _csv_response(chunks, f"batches_{dt.datetime.now():%Y-%m-%d_%H%M}.csv")


def _answered(produce):
    """An endpoint: `produce(request)` in a worker thread (it reads the database), with
    core's refusals turned into HTTP answers."""

    async def endpoint(request: Request) -> Response:
        try:
            return await run_in_threadpool(produce, request)
        except _Missing:
            return _not_found()
        except ExportUnavailable as error:
            return _unavailable(error.message)
        except InvalidInput as error:
            return PlainTextResponse(error.message, 400, headers=PRIVATE)
        except PortalError:  # NotFound, PermissionDenied: answered as missing
            return _not_found()

    return endpoint


routes: list[BaseRoute] = [
    Route(EXPORT_PATH, _answered(_export), methods=["GET"]),
    Route(CARD_PATH, _answered(_card), methods=["GET"]),
    Route(CANDIDATE_PATH, _answered(_candidate), methods=["GET"]),
    Route(SEARCH_CSV_PATH, _answered(_search_csv), methods=["GET"]),
    Route(BATCHES_CSV_PATH, _answered(_batches_csv), methods=["GET"]),
]
