"""The JSON API: search, recommend, "more like this", Goodreads import, health.

Every route is a plain function over bookrec.serving.web.service.ReaderService; user mistakes
raise DataError (400) or fail validation (422), an unready warehouse raises NotReady (503), all
turned into `{"error": "..."}` bodies by bookrec.serving.web.app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from bookrec.errors import DataError
from bookrec.serving.recommender import Recommendations
from bookrec.serving.web import schemas
from bookrec.serving.web.service import ListedBook, NotReady, ReaderService, series_label

ERRORS = {
    400: {"model": schemas.ErrorOut, "description": "bad input (the message says what to fix)"},
    413: {"model": schemas.ErrorOut, "description": "upload over the size limit"},
    422: {"model": schemas.ErrorOut, "description": "invalid or unknown parameters"},
    503: {"model": schemas.ErrorOut, "description": "warehouse missing or not built"},
}


def only_query(*names: str):
    """A dependency refusing query parameters other than `names` (a typo is not ignored)."""

    def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - set(names))
        if unknown:
            allowed = ", ".join(names) if names else "none"
            raise DataError(f"unknown query parameter(s) {', '.join(unknown)}; allowed: {allowed}")

    return check


def service_of(request: Request) -> ReaderService:
    return request.app.state.service


Service = Annotated[ReaderService, Depends(service_of)]
NoQuery = Annotated[None, Depends(only_query())]
SearchQuery = Annotated[None, Depends(only_query("q", "limit"))]
router = APIRouter(prefix="/api", responses=ERRORS)


def _with_series(result: Recommendations, rows: list[dict]) -> list[dict]:
    for row, item in zip(rows, result.items, strict=True):
        row["next_in_series"] = series_label(item)
    return rows


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


@router.post("/recommend", response_model=schemas.RecommendOut)
def recommend(body: schemas.RecommendIn, service: Service, _: NoQuery = None) -> dict:
    """What to read next for a list of books (ids from /api/books, or titles), rated or not."""
    books = [ListedBook(b.book_id, b.title, b.author, b.rating) for b in body.books]
    result = service.recommend(books, body.top_n)
    out = result.to_dict()
    out["recommendations"] = _with_series(result, out["recommendations"])
    return out


@router.post("/similar", response_model=schemas.SimilarOut)
def similar(body: schemas.SimilarIn, service: Service, _: NoQuery = None) -> dict:
    """More like this: the list of a reader who listed only this book (no rating)."""
    book, result = service.similar(body.book_id, body.exclude, body.top_n)
    rows = _with_series(result, result.to_dict()["recommendations"])
    return {"book": book, "recommendations": rows}


@router.post("/import/goodreads", response_model=schemas.ImportOut)
async def import_goodreads(
    request: Request,
    service: Service,
    file: Annotated[UploadFile, File(description="goodreads_library_export.csv")],
    _: NoQuery = None,
) -> dict:
    """Read a Goodreads library export (My Books > Import and export) and match its books."""
    from starlette.concurrency import run_in_threadpool

    from bookrec.serving.matching import summarize

    unknown = sorted(set((await request.form()).keys()) - {"file"})
    if unknown:
        raise DataError(f"unknown form field(s) {', '.join(unknown)}; send only `file`")
    limit = service.config.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(limit)
    name = file.filename or "upload"
    matches = await run_in_threadpool(service.import_goodreads, data, name)
    return {"counts": summarize(matches), "matches": [m.to_dict() for m in matches]}


class UploadTooLarge(DataError):
    """An upload over WebConfig.max_upload_bytes (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the {limit // (1024 * 1024)} MB upload limit")
