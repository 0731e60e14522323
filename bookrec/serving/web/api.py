"""The JSON API: search, recommend, "more like this", Goodreads import, health.

Every route is a plain function over bookrec.serving.web.service.ReaderService, all errors
turned into `{"error": "..."}` bodies by bookrec.serving.web.app. The answers are the library's
own results (bookrec.serving.results), sent as their JSON text once (JSONText): each route's
response_model documents that shape at /docs without validating the answer a second time.
One rule for the status:
- 422: the request does not fit the API (invalid JSON, a wrong type, a value out of range, an
  unknown field, query parameter or form field): the message names the field;
- 400: a well-formed request the catalog or the file cannot serve (DataError: an upload that is
  no Goodreads export, a book_id /api/similar cannot find, more books than the limit; in
  /api/recommend an unknown book_id given without a title is listed as not found);
- 413: an upload over the size limit; 503: the warehouse is missing or not built (NotReady).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bookrec.errors import DataError
from bookrec.serving.matching import summarize
from bookrec.serving.web import schemas
from bookrec.serving.web.service import ListedBook, NotReady, ReaderService

ERRORS = {
    400: {"model": schemas.ErrorOut, "description": "a file or book the service cannot use"},
    413: {"model": schemas.ErrorOut, "description": "upload over the size limit"},
    422: {"model": schemas.ErrorOut, "description": "invalid or unknown fields or parameters"},
    503: {"model": schemas.ErrorOut, "description": "warehouse missing or not built"},
}


def only_query(*names: str):
    """A dependency refusing query parameters other than `names` (a typo is not ignored)."""

    async def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - set(names))
        if unknown:
            raise unknown_fields("query", unknown)

    return check


def unknown_fields(where: str, names: list[str]) -> RequestValidationError:
    """The 422 of an unknown query parameter or form field, worded as an unknown JSON field."""
    return RequestValidationError(
        [{"type": "extra_forbidden", "loc": (where, name), "msg": "", "input": None}
         for name in names]
    )  # fmt: skip


async def service_of(request: Request) -> ReaderService:
    # async, as every dependency here: FastAPI runs a sync dependency in its thread pool, a
    # round trip to another thread (and the GIL) per dependency per request.
    return request.app.state.service


Service = Annotated[ReaderService, Depends(service_of)]
NoQuery = Annotated[None, Depends(only_query())]
SearchQuery = Annotated[None, Depends(only_query("q", "limit"))]
router = APIRouter(prefix="/api", responses=ERRORS)


class JSONText(Response):
    """A result's JSON text (pydantic's model_dump_json, made once), sent as it is."""

    media_type = "application/json"

    def __init__(self, result: BaseModel) -> None:
        super().__init__(result.model_dump_json())


@router.get("/health", response_model=schemas.HealthOut)
def health(service: Service, _: NoQuery = None) -> JSONResponse | dict:
    """Whether the warehouse is loaded (503 with the flow to run when it is not)."""
    try:
        loaded = service.load()
    except NotReady as exc:
        body = {"status": "unavailable", "warehouse": str(service.warehouse), "error": str(exc)}
        return JSONResponse(body, status_code=503)
    return {
        "status": "ok",
        "warehouse": str(service.warehouse),
        "books": len(loaded.search),
        "candidates": len(loaded.recommender.cand_ids),
        "space": loaded.recommender.vectors.space,
        "demo_catalog": loaded.recommender.demo_catalog,
    }


@router.get("/books", response_model=schemas.SearchOut)
def books(
    service: Service,
    q: Annotated[str, Query(max_length=200, description="title and/or author words")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 8,
    _: SearchQuery = None,
) -> dict:
    """Catalog books for the text typed so far: every word begins a title or author word."""
    return {"query": q, "books": service.search(q, limit)}


async def ranked(request: Request, work: Callable[[], BaseModel]) -> JSONText:
    """work() run on the worker's ranking threads (app.state.ranking: WebConfig.ranking_threads,
    first come first served), its answer as JSON text.

    A list is a few milliseconds of arithmetic. Run on FastAPI's pool of 40 threads, 20
    requests at once each got a slice of the GIL and the cores, and whichever lost the race
    waited for all the others: under 20 clients p95 was 1.8x p50. In a queue each waits only
    for those before it, and the cores are not shared between half-done lists.
    """
    loop = asyncio.get_running_loop()
    return JSONText(await loop.run_in_executor(request.app.state.ranking, work))


@router.post("/recommend", response_model=schemas.RecommendOut)
async def recommend(
    body: schemas.RecommendIn, request: Request, service: Service, _: NoQuery = None
) -> JSONText:
    """What to read next for a list of books (ids from /api/books, or titles), rated or not."""
    books = [ListedBook(b.book_id, b.title, b.author, b.rating, b.shelf) for b in body.books]
    return await ranked(request, lambda: service.recommend(books, body.top_n))


@router.post("/similar", response_model=schemas.SimilarOut)
async def similar(
    body: schemas.SimilarIn, request: Request, service: Service, _: NoQuery = None
) -> JSONText:
    """More like this: the list of a reader who listed only this book (no rating)."""

    def work() -> schemas.SimilarOut:
        book, result = service.similar(body.book_id, body.exclude, body.top_n)
        book_out = schemas.BookOut.model_validate(book, from_attributes=True)
        return schemas.SimilarOut(
            book=book_out, recommendations=result.items, demo_catalog=result.demo_catalog
        )

    return await ranked(request, work)


@router.post("/import/goodreads", response_model=schemas.ImportOut)
async def import_goodreads(
    request: Request,
    service: Service,
    file: Annotated[
        UploadFile,
        File(description="goodreads_library_export.csv, or a CSV of title,author,rating"),
    ],
    _: NoQuery = None,
) -> JSONText:
    """Read a Goodreads library export (My Books > Import and export), or a plain CSV of title,
    author and rating, and match its books."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    unknown = sorted(set(form.keys()) - {"file"})
    if unknown:
        raise unknown_fields("form", unknown)
    sent = len(form.getlist("file"))
    if sent > 1:  # FastAPI would read the last one alone, the others unsaid
        raise RequestValidationError(
            [{"type": "too_long", "loc": ("form", "file"),
              "msg": f"one file at a time ({sent} were sent)", "input": None}]
        )  # fmt: skip
    limit = service.config.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(limit)
    name = file.filename or "upload"
    matches = await run_in_threadpool(service.import_goodreads, data, name)
    counts = summarize(matches)
    counts["wanted"] = sum(m.status == "matched" and m.book.wanted for m in matches)
    counts["abandoned"] = sum(
        m.status == "matched" and m.book.abandoned_on is not None for m in matches
    )
    return JSONText(schemas.ImportOut(counts=counts, matches=matches))


class UploadTooLarge(DataError):
    """An upload over WebConfig.max_upload_bytes (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(file_too_large(limit))


def file_too_large(limit: int) -> str:
    """What an upload over `limit` bytes is told (the route's check and the body's limit)."""
    return (
        f"the file is larger than the {limit // (1024 * 1024)} MB bookrec takes (a Goodreads "
        "export of 25,000 books is about 5 MB); is it the export of your books?"
    )
