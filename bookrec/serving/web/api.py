"""The JSON API: search, recommend, "more like this", Goodreads import, health.

Every route is a plain function over bookrec.serving.web.service.ReaderService, all errors
turned into `{"error": "..."}` bodies by bookrec.serving.web.app. One rule for the status:
- 422: the request does not fit the API (invalid JSON, a wrong type, a value out of range, an
  unknown field, query parameter or form field): the message names the field;
- 400: a well-formed request the catalog or the file cannot serve (DataError: an upload that is
  no Goodreads export, a book_id not in the catalog, more books than the limit);
- 413: an upload over the size limit; 503: the warehouse is missing or not built (NotReady).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bookrec.errors import DataError
from bookrec.serving.matching import Match, summarize
from bookrec.serving.reasons import status_text, with_reason_texts
from bookrec.serving.recommender import Recommendations
from bookrec.serving.web import schemas
from bookrec.serving.web.service import ListedBook, Loaded, NotReady, ReaderService, series_label

ERRORS = {
    400: {"model": schemas.ErrorOut, "description": "a file or book the service cannot use"},
    413: {"model": schemas.ErrorOut, "description": "upload over the size limit"},
    422: {"model": schemas.ErrorOut, "description": "invalid or unknown fields or parameters"},
    503: {"model": schemas.ErrorOut, "description": "warehouse missing or not built"},
}


def only_query(*names: str):
    """A dependency refusing query parameters other than `names` (a typo is not ignored)."""

    def check(request: Request) -> None:
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


def service_of(request: Request) -> ReaderService:
    return request.app.state.service


Service = Annotated[ReaderService, Depends(service_of)]
NoQuery = Annotated[None, Depends(only_query())]
SearchQuery = Annotated[None, Depends(only_query("q", "limit"))]
router = APIRouter(prefix="/api", responses=ERRORS)


def _rows(result: Recommendations, loaded: Loaded) -> list[dict]:
    """The result's recommendations as JSON, each with its series label and reason text."""
    rows = result.to_dict()["recommendations"]
    for row, item in zip(rows, result.items, strict=True):
        row["next_in_series"] = series_label(item)
    return with_reason_texts(result, rows, loaded.genres_of)


def _match_dicts(matches: list[Match], loaded: Loaded) -> list[dict]:
    """Matches as JSON, with the shelf and each ambiguous candidate's Goodreads numbers (so the
    reader can tell the candidates apart)."""
    out = []
    for match in matches:
        row = match.to_dict()
        row["shelf"] = match.book.shelf
        row["wanted"] = match.book.wanted
        for candidate in row["candidates"]:
            at = loaded.matcher_row(candidate["book_id"])
            if at is not None:
                book = loaded.search.suggestion(at)
                candidate["avg_rating"] = book.avg_rating
                candidate["num_ratings"] = book.num_ratings
        out.append(row)
    return out


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
    books = [ListedBook(b.book_id, b.title, b.author, b.rating, b.shelf) for b in body.books]
    result = service.recommend(books, body.top_n)
    loaded = service.load()
    out = result.to_dict()
    out["summary"] = status_text(result)
    out["matches"] = _match_dicts(result.matches, loaded)
    out["recommendations"] = _rows(result, loaded)
    return out


@router.post("/similar", response_model=schemas.SimilarOut)
def similar(body: schemas.SimilarIn, service: Service, _: NoQuery = None) -> dict:
    """More like this: the list of a reader who listed only this book (no rating)."""
    book, result = service.similar(body.book_id, body.exclude, body.top_n)
    return {"book": book, "recommendations": _rows(result, service.load())}


@router.post("/import/goodreads", response_model=schemas.ImportOut)
async def import_goodreads(
    request: Request,
    service: Service,
    file: Annotated[UploadFile, File(description="goodreads_library_export.csv")],
    _: NoQuery = None,
) -> dict:
    """Read a Goodreads library export (My Books > Import and export) and match its books."""
    from starlette.concurrency import run_in_threadpool

    unknown = sorted(set((await request.form()).keys()) - {"file"})
    if unknown:
        raise unknown_fields("form", unknown)
    limit = service.config.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(limit)
    name = file.filename or "upload"
    matches = await run_in_threadpool(service.import_goodreads, data, name)
    counts = summarize(matches)
    counts["wanted"] = sum(m.status == "matched" and m.book.wanted for m in matches)
    return {"counts": counts, "matches": _match_dicts(matches, service.load())}


class UploadTooLarge(DataError):
    """An upload over WebConfig.max_upload_bytes (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the {limit // (1024 * 1024)} MB upload limit")
