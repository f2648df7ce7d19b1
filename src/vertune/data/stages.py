"""The ingest and preprocess stages: glue between the data functions and the pipeline.

ingest:      sources → ``documents.jsonl`` (+ ``documents.csv``), one Document per item read.
preprocess:  clean → drop too-short → exact + near dedup → cut to ``max_tokens`` pieces with the
             model's own tokenizer → ``documents.jsonl`` (+ ``documents.csv``, ``duplicates.jsonl``).

Counts are in documents: every document read is either kept (as one or more pieces) or in
``rejected.jsonl`` with the reason (unreadable, empty after cleaning, too short, duplicate of
which document and how similar).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydantic_core import PydanticSerializationError
from rich.console import Console
from rich.text import Text

from vertune.data.chunk import chunk_text, token_histogram
from vertune.data.clean import clean_document, noise
from vertune.data.dedup import Removed, dedup
from vertune.data.ingest import ingest, os_reason
from vertune.pipeline import StageContext, StageFailed
from vertune.records import Document, Rejection, read_jsonl

DOCUMENTS = "documents.jsonl"
CSV_COLUMNS = ("id", "source", "kind", "title", "published_at", "text")


def _write_exports(
    out: Path, documents: Iterable[Document], unwritable: Callable[[Document, Exception], None] | None = None
) -> int:
    """Canonical JSONL plus a CSV export of the main fields (for spreadsheets and other tools).

    A document that cannot be serialised goes to ``unwritable`` (when given) instead of the files."""
    count = 0
    with (out / DOCUMENTS).open("w", encoding="utf-8") as jsonl, (out / "documents.csv").open(
        "w", encoding="utf-8-sig", newline=""
    ) as table:
        writer = csv.writer(table)
        writer.writerow(CSV_COLUMNS)
        for doc in documents:
            try:
                line = doc.model_dump_json()
            except PydanticSerializationError as err:
                if unwritable is None:
                    raise
                unwritable(doc, err)
                continue
            jsonl.write(line + "\n")
            writer.writerow([getattr(doc, column) or "" for column in CSV_COLUMNS])
            count += 1
    return count


def ingest_stage(ctx: StageContext) -> None:
    """Read every configured source; count per source and kind. Warnings (paths refused,
    optional sources left empty) are printed and listed in the manifest's ``stats``."""
    config = ctx.config
    per_source: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    warnings: list[str] = []
    console = Console(stderr=True, soft_wrap=True)

    def warn(message: str) -> None:
        warnings.append(message)
        console.print(Text.assemble(("warning ", "yellow"), message))

    def unwritable(doc: Document, err: Exception) -> None:
        per_source[_source_of(doc)] -= 1
        per_kind[doc.kind] -= 1
        ctx.reject(Rejection(stage="ingest", item=str(doc.meta.get("origin", doc.id)), reason="cannot be written",
                             detail=str(err)))

    def documents() -> Iterator[Document]:
        for item in ingest(config.sources, config.base_dir, workers=config.ingest.workers, show_progress=ctx.show_progress,
                           exclude=[config.workspace_dir], on_warning=warn):
            ctx.counts["in"] += 1
            if isinstance(item, Rejection):
                ctx.reject(item)
                continue
            per_source[_source_of(item)] += 1
            per_kind[item.kind] += 1
            yield item

    try:
        ctx.counts["out"] = _write_exports(ctx.out, documents(), unwritable)
    except OSError as err:  # a full disk, an unwritable folder: a message, not a traceback
        raise StageFailed(f"ingest: {os_reason(err)}: {err.filename or ctx.out}") from None
    ctx.stats.update(per_source=+per_source, per_kind=+per_kind, warnings=warnings)


def _source_of(doc: Document) -> str:
    return str(doc.meta.get("source_name", doc.source))


def _pieces(doc: Document, tokenizer: object, max_tokens: int, overlap: int) -> list[Document]:
    """The document itself when it fits, else one Document per chunk, linked by ``parent_id``."""
    chunks = chunk_text(doc.text, tokenizer, max_tokens=max_tokens, overlap=overlap)
    if len(chunks) <= 1:
        n_tokens = chunks[0].n_tokens if chunks else 0
        return [doc.model_copy(update={"meta": {**doc.meta, "n_tokens": n_tokens}})]
    pages = [_pages_of(doc, chunk.start, chunk.end) for chunk in chunks]
    return [
        Document(
            source=doc.source,
            kind=doc.kind,
            title=doc.title,
            text=chunk.text,
            tables=[t for t in doc.tables if t.page is None or t.page in pages[index]],
            published_at=doc.published_at,
            meta={**doc.meta, "parent_id": doc.id, "chunk_index": index, "chunk_count": len(chunks),
                  "char_start": chunk.start, "char_end": chunk.end, "n_tokens": chunk.n_tokens, "forced_cut": chunk.forced},
        )
        for index, chunk in enumerate(chunks)
    ]


def _pages_of(doc: Document, start: int, end: int) -> set[int]:
    """Pages a character range touches, from the PDF reader's page offsets (if any)."""
    pages = doc.meta.get("pages") or []
    return {p["page"] for p in pages if isinstance(p, dict) and p.get("start", 0) < end and p.get("end", 0) > start}


def preprocess_stage(ctx: StageContext) -> None:
    """Clean, deduplicate and cut the ingested documents to the model's token budget."""
    from vertune.model.loading import load_tokenizer

    settings = ctx.config.preprocess
    cleaned: list[Document] = []
    noise_of: dict[str, int] = {}  # measured before cleaning, which hides what made a copy a repost

    def unreadable(rejection: Rejection) -> None:
        ctx.counts["in"] += 1
        ctx.reject(rejection)

    for doc in read_jsonl(ctx.artifact("ingest", DOCUMENTS), Document, on_reject=unreadable, stage="preprocess"):
        ctx.counts["in"] += 1
        result = clean_document(doc, keep=settings.keep_symbols)
        if isinstance(result, Rejection):
            ctx.reject(result.model_copy(update={"stage": "preprocess"}))
        elif len(result.text) < settings.min_chars:
            ctx.reject(Rejection(stage="preprocess", item=doc.id, reason="too short",
                                 detail=f"{len(result.text)} chars < min_chars {settings.min_chars}: {result.text[:40]}"))
        else:
            cleaned.append(result)
            noise_of[doc.id] = noise(doc.text)

    kept = _deduplicate(ctx, cleaned, noise_of)
    tokenizer = load_tokenizer(ctx.config.model.base, trust_remote_code=ctx.config.model.trust_remote_code)
    pieces: list[Document] = []
    split = 0
    with ctx.progress(len(kept), "cut to token budget") as advance:
        for doc in kept:
            parts = _pieces(doc, tokenizer, settings.max_tokens, settings.overlap_sentences)
            split += len(parts) > 1
            pieces.extend(parts)
            advance(1)
    ctx.counts["out"] = len(kept)
    _write_exports(ctx.out, pieces)
    ctx.stats.update(pieces=len(pieces), split_documents=split,
                     token_lengths=token_histogram([p.meta["n_tokens"] for p in pieces]))


def _deduplicate(ctx: StageContext, docs: list[Document], noise_of: dict[str, int]) -> list[Document]:
    """Drop exact, near and (optionally) semantic duplicates, keeping the copy of each exact or
    near group that was cleanest as ingested (no repost note, disclaimer, full-width forms),
    then the longest; every dropped document is logged with its kept partner and similarity."""
    settings = ctx.config.preprocess.dedup
    removed: list[Removed] = []
    if settings.exact or settings.near:
        result = dedup([(d.id, d.text) for d in docs], threshold=settings.threshold, near=settings.near,
                       num_perm=settings.num_perm, ngram=settings.ngram, exact=settings.exact,
                       containment=settings.containment, score=lambda doc_id, _: -noise_of[doc_id])
        removed += result.removed
        ctx.stats["duplicate_clusters"] = len(result.clusters)
        keep = set(result.keep_ids)
        docs = [d for d in docs if d.id in keep]
    if settings.semantic:
        semantic = _semantic_duplicates(ctx, docs)
        removed += semantic
        dropped = {r.id for r in semantic}
        docs = [d for d in docs if d.id not in dropped]
    with (ctx.out / "duplicates.jsonl").open("w", encoding="utf-8") as log:
        for item in removed:
            entry = {"id": item.id, "kept_id": item.kept_id, "similarity": round(item.similarity, 4), "kind": item.kind}
            if item.containment is not None:
                entry["containment"] = round(item.containment, 4)
            log.write(json.dumps(entry) + "\n")
            ctx.reject(Rejection(stage="preprocess", item=item.id, reason=f"{item.kind} duplicate",
                                 detail=f"of {item.kept_id} (similarity {item.similarity:.2f})"))
    return docs


def _semantic_duplicates(ctx: StageContext, docs: list[Document]) -> list[Removed]:
    from vertune.data.semantic import embed_texts, semantic_dedup

    settings = ctx.config.preprocess.dedup
    texts = [d.text for d in docs]
    vectors = embed_texts(texts, settings.semantic_model or ctx.config.model.base)
    return semantic_dedup([d.id for d in docs], texts, vectors, settings.semantic_threshold)
