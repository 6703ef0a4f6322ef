"""The centre API, /api/v1: Starlette routes over core (core.api, core.api_keys).

Every request carries `Authorization: Bearer <key>`; the key's centre scopes every
answer (another centre's ids answer 404, exactly as missing ones). Errors are RFC 9457
problem details (application/problem+json) in one shape; each key is rate limited
(429 with Retry-After); single objects carry an ETag and answer 304 to If-None-Match.
The OpenAPI 3.1 document at /api/v1/openapi.json is generated from OPERATIONS and the
pydantic models of core.api, the same ones the routes answer with.

Routes are sync functions: Starlette runs them in its thread pool, so the database
calls never block the event loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from core import api
from core.api_keys import (
    KeyHolder,
    RateLimited,
    Unauthorized,
    authenticate,
    check_key_rate,
    require_export_scope,
)
from core.badges import centre_badge, check_credential
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PermissionDenied, PortalError
from core.exports import find_download
from core.files import open_export_file
from core.verify import TooManyVerifications

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
PROBLEM = "application/problem+json"
MAX_ID = 2**31 - 1
STATUS_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int, detail: str, request: Request | None = None, headers: dict | None = None
) -> JSONResponse:
    """Every error in one shape (RFC 9457)."""
    body = api.Problem(
        title=STATUS_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


def _status_of(error: PortalError) -> tuple[int, dict[str, str]]:
    if isinstance(error, Unauthorized):
        return 401, {"WWW-Authenticate": 'Bearer realm="api"'}
    if isinstance(error, RateLimited):
        return 429, {"Retry-After": str(error.retry_after)}
    if isinstance(error, TooManyVerifications):
        return 429, {"Retry-After": "60"}
    if isinstance(error, PermissionDenied):
        return 403, {}
    if isinstance(error, NotFound):
        return 404, {}
    return 400, {}


# One operation: the handler, and what the OpenAPI document says of it -----------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form: /certificates/{certificate_id}
    operation_id: str
    summary: str
    handler: Callable[..., Any]
    response: type[BaseModel] | None  # None: a file (the zip)
    query: type[api.Model] | None = None
    body: type[api.Model] | None = None
    status: int = 200
    etag: bool = False
    export_scope: bool = False
    path_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Call:
    """What a handler receives: the key's holder, the parsed question, the path ids."""

    holder: KeyHolder
    request: Request
    query: Any = None
    body: Any = None
    ids: dict[str, int] = field(default_factory=dict)

    def address(self, path: str) -> str:
        return str(self.request.base_url).rstrip("/") + PREFIX + path


def _holder(request: Request) -> KeyHolder:
    address = request.client.host if request.client else "unknown"
    with session_scope() as session:
        holder = authenticate(
            session, authorization=request.headers.get("authorization", ""), address=address
        )
    check_key_rate(holder)
    return holder


def _path_ids(request: Request, names: tuple[str, ...]) -> dict[str, int]:
    ids = {name: int(request.path_params[name]) for name in names}
    if any(not 1 <= value <= MAX_ID for value in ids.values()):
        raise NotFound("There is nothing with that ID.")
    return ids


def _body(request: Request, model: type[api.Model]) -> api.Model:
    raw = request.scope.get("api.body", b"")
    try:
        values = json.loads(raw or b"null")
    except ValueError:
        raise InvalidInput("The request body is not JSON.") from None
    if not isinstance(values, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return api.parse_query(model, values)


def _answer(operation: Operation, request: Request, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    body = result.model_dump_json().encode()
    headers: dict[str, str] = {}
    if operation.etag:
        tag = api.etag(body)
        headers["ETag"] = tag
        wanted = [item.strip() for item in request.headers.get("if-none-match", "").split(",")]
        if tag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
    if operation.status == 202 and isinstance(result, api.ExportOut):
        headers["Location"] = PREFIX + f"/exports/{result.id}"
    return Response(
        body, status_code=operation.status, headers=headers, media_type="application/json"
    )


def _endpoint(operation: Operation) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        try:
            holder = _holder(request)
            if operation.export_scope:
                require_export_scope(holder)
            call = Call(
                holder=holder,
                request=request,
                ids=_path_ids(request, operation.path_ids),
                query=(
                    api.parse_query(operation.query, dict(request.query_params))
                    if operation.query
                    else None
                ),
                body=_body(request, operation.body) if operation.body else None,
            )
            return _answer(operation, request, operation.handler(call))
        except PortalError as error:
            status, headers = _status_of(error)
            return problem(status, error.message, request, headers)
        except Exception:
            log.exception("API request failed: %s %s", request.method, request.url.path)
            return problem(500, "Something went wrong on our side; try again later.", request)

    return endpoint


def _with_body(endpoint: Callable[[Request], Response]) -> Callable:
    """Read the body on the event loop, then run the sync endpoint in the thread pool."""

    async def receive_then_run(request: Request) -> Response:
        request.scope["api.body"] = (await request.body())[:300_000]
        return await run_in_threadpool(endpoint, request)

    return receive_then_run


# Handlers ------------------------------------------------------------------------------


def _list_batches(call: Call) -> api.BatchPage:
    with session_scope() as session:
        return api.list_batches(session, actor=call.holder.actor, query=call.query)


def _get_batch(call: Call) -> api.BatchOut:
    with session_scope() as session:
        return api.get_batch_out(session, actor=call.holder.actor, batch_id=call.ids["batch_id"])


def _batch_certificates(call: Call) -> api.CertificatePage:
    with session_scope() as session:
        return api.list_batch_certificates(
            session, actor=call.holder.actor, batch_id=call.ids["batch_id"], query=call.query
        )


def _list_certificates(call: Call) -> api.CertificatePage:
    with session_scope() as session:
        return api.list_certificates(session, actor=call.holder.actor, query=call.query)


def _get_certificate(call: Call) -> api.CertificateOut:
    with session_scope() as session:
        return api.get_certificate(
            session, actor=call.holder.actor, certificate_id=call.ids["certificate_id"]
        )


def _certificate_badge(call: Call) -> api.BadgeOut:
    with session_scope() as session:
        badge = centre_badge(
            session, actor=call.holder.actor, certificate_id=call.ids["certificate_id"]
        )
    return api.BadgeOut(credential=badge.credential, jwt=badge.jwt)


def _download_address(call: Call) -> str:
    return call.address("/exports/{id}/download")


def _create_export(call: Call) -> api.ExportOut:
    with session_scope() as session:
        return api.create_export(
            session,
            actor=call.holder.actor,
            request=call.body,
            download_address=_download_address(call),
        )


def _get_export(call: Call) -> api.ExportOut:
    with session_scope() as session:
        return api.get_export_out(
            session,
            actor=call.holder.actor,
            export_id=call.ids["export_id"],
            download_address=_download_address(call),
        )


def _stream(stored_as: str) -> Iterator[bytes]:
    with open_export_file(stored_as) as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def _download_export(call: Call) -> Response:
    with session_scope() as session:
        download = find_download(session, actor=call.holder.actor, export_id=call.ids["export_id"])
    return StreamingResponse(
        _stream(download.stored_as),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{download.name}"'},
    )


def _check_credential(call: Call) -> api.CredentialCheckOut:
    with session_scope() as session:
        found = check_credential(
            session, text=call.body.credential, client=f"api-key:{call.holder.prefix}"
        )
    return api.CredentialCheckOut(
        verdict=found.verdict,
        reason=found.reason,
        certificate_number=found.certificate.number if found.certificate else None,
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get",
        "/batches",
        "listBatches",
        "The centre's print batches, newest first, filtered as on Print Batches",
        _list_batches,
        api.BatchPage,
        query=api.BatchQuery,
    ),
    Operation(
        "get",
        "/batches/{batch_id}",
        "getBatch",
        "One batch",
        _get_batch,
        api.BatchOut,
        etag=True,
        path_ids=("batch_id",),
    ),
    Operation(
        "get",
        "/batches/{batch_id}/certificates",
        "listBatchCertificates",
        "A batch's certificates",
        _batch_certificates,
        api.CertificatePage,
        query=api.PageQuery,
        path_ids=("batch_id",),
    ),
    Operation(
        "get",
        "/certificates",
        "listCertificates",
        "The centre's certificates in (updated_at, id) order: filter as on Search, "
        "sync with updated_since",
        _list_certificates,
        api.CertificatePage,
        query=api.CertificateQuery,
    ),
    Operation(
        "get",
        "/certificates/{certificate_id}",
        "getCertificate",
        "One certificate",
        _get_certificate,
        api.CertificateOut,
        etag=True,
        path_ids=("certificate_id",),
    ),
    Operation(
        "get",
        "/certificates/{certificate_id}/badge",
        "getCertificateBadge",
        "A certificate's Open Badge 3.0 credential and its VC-JWT",
        _certificate_badge,
        api.BadgeOut,
        path_ids=("certificate_id",),
    ),
    Operation(
        "post",
        "/exports",
        "createExport",
        "Request an export (a zip of PDFs made in the background); needs a read and export key",
        _create_export,
        api.ExportOut,
        body=api.ExportRequest,
        status=202,
        export_scope=True,
    ),
    Operation(
        "get",
        "/exports/{export_id}",
        "getExport",
        "An export's status",
        _get_export,
        api.ExportOut,
        etag=True,
        path_ids=("export_id",),
    ),
    Operation(
        "get",
        "/exports/{export_id}/download",
        "downloadExport",
        "A Finished export's zip (streamed)",
        _download_export,
        None,
        path_ids=("export_id",),
    ),
    Operation(
        "post",
        "/credentials/verify",
        "verifyCredential",
        "Check an Open Badge credential as the Verify page does",
        _check_credential,
        api.CredentialCheckOut,
        body=api.CredentialCheckRequest,
    ),
)


# The OpenAPI document ------------------------------------------------------------------


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: absent is its null."""
    options = [item for item in schema.get("anyOf", []) if item != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1:
        rest = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
        return {**options[0], **rest}
    return {key: value for key, value in schema.items() if not (key == "default" and value is None)}


def _problem_responses(operation: Operation) -> dict[str, Any]:
    codes = [400, 401, 404, 429]
    if operation.export_scope:
        codes.append(403)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    return {
        str(code): {
            "description": STATUS_TITLES[code],
            "content": {PROBLEM: {"schema": problem_ref}},
            **(
                {"headers": {"Retry-After": {"schema": {"type": "integer"}}}} if code == 429 else {}
            ),
        }
        for code in sorted(codes)
    }


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1, from OPERATIONS and core.api's models."""
    schemas: dict[str, Any] = {}

    def ref(model: type[BaseModel], mode: str) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    ref(api.Problem, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            }
            for name in operation.path_ids
        ]
        if operation.query is not None:
            query = operation.query.model_json_schema(mode="validation")
            parameters += [
                {
                    "name": name,
                    "in": "query",
                    "required": name in query.get("required", []),
                    "schema": _without_null(schema),
                    **({"description": schema["description"]} if "description" in schema else {}),
                }
                for name, schema in query["properties"].items()
            ]
        if operation.response is None:
            success = {
                "description": "The zip",
                "content": {
                    "application/zip": {
                        "schema": {"type": "string", "contentMediaType": "application/zip"}
                    }
                },
            }
        else:
            success = {
                "description": "OK" if operation.status == 200 else "Accepted",
                "content": {
                    "application/json": {"schema": ref(operation.response, "serialization")}
                },
            }
        responses = {str(operation.status): success, **_problem_responses(operation)}
        if operation.etag:
            success["headers"] = {"ETag": {"schema": {"type": "string"}}}
            responses["304"] = {"description": "Not modified (If-None-Match matched)"}
        entry: dict[str, Any] = {
            "operationId": operation.operation_id,
            "summary": operation.summary,
            "parameters": parameters,
            "responses": dict(sorted(responses.items())),
        }
        if operation.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(operation.body, "validation")}},
            }
        paths.setdefault(PREFIX + operation.path, {})[operation.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Digital Certificates centre API",
            "version": "1.0.0",
            "description": "A centre's batches, certificates and exports. "
            "Authorization: Bearer <API key> (made in Profile). Errors are RFC 9457 "
            "problem details; each key is rate limited (429 with Retry-After).",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }


def _openapi(_request: Request) -> JSONResponse:
    return JSONResponse(openapi_document())


def _not_found(request: Request) -> JSONResponse:
    return problem(404, "There is no such address in this API.", request)


def _route(operation: Operation) -> Route:
    path = PREFIX + operation.path
    for name in operation.path_ids:
        path = path.replace("{" + name + "}", "{" + name + ":int}")
    endpoint = _endpoint(operation)
    if operation.body is not None:
        endpoint = _with_body(endpoint)
    return Route(path, endpoint, methods=[operation.method.upper()], name=operation.operation_id)


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/openapi.json", _openapi, methods=["GET"], name="openapi"),
    *(_route(operation) for operation in OPERATIONS),
    Route(PREFIX + "/{rest:path}", _not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
]
