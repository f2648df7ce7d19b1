"""Tabular records (CSV, TSV, JSON, JSONL, XLSX) -> one Document per record.

``iter_rows`` is the one place that streams records out of these formats (the forum and
dialogue readers use it too): one bad line or row becomes a ``Rejection`` naming ``file:line``
and reading carries on. ``options.mapping`` maps Document fields (title, text, published_at)
to input columns; every other column goes to ``meta``. Without a text column the text is the
record itself as ``列: 值`` lines, so structured exports (trades, quotes) still read as text.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.data.sources.base import Item, ReadOptions, SourceError, capped_lines, reject, too_long
from vertune.data.sources.encoding import open_text, undecodable
from vertune.records import Document, Rejection

MAX_JSON_BYTES = 64 << 20
"""A whole-file JSON document is parsed in memory; bigger ones must come as JSONL."""
MAX_JSON_DEPTH = 100
"""The deepest nesting a JSON record may have: a record goes into a Document's meta, which must
be written and read back by every later stage (pydantic's JSON reader stops near 200 levels)."""

TABLE_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".xlsx")
FIELDS = ("title", "text", "published_at")
_DEFAULT_COLUMNS = {"title": ("title",), "text": ("text", "content"), "published_at": ("published_at",)}


@dataclass(frozen=True)
class Row:
    """One input record and where it came from (``file:line``, ``file[i]`` or ``file:sheet!row``)."""

    where: str
    data: dict[str, Any]


def iter_rows(path: Path, options: ReadOptions) -> Iterator[Row | Rejection]:
    """Stream the records of a CSV/TSV/JSON/JSONL/XLSX file (chosen by extension)."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _jsonl_rows(path, options)
    elif suffix == ".json":
        yield from _json_rows(path, options)
    elif suffix == ".xlsx":
        yield from _xlsx_rows(path)
    elif suffix in (".csv", ".tsv"):
        yield from _csv_rows(path, options, "\t" if suffix == ".tsv" else ",")
    else:
        raise SourceError("not a table", f"unsupported extension {suffix or '(none)'!r}; use {', '.join(TABLE_SUFFIXES)}")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(text: str) -> Any:
    """``json.loads`` with every way hostile input breaks it (or breaks a later stage) as a
    ``SourceError``: invalid JSON, nesting deeper than ``MAX_JSON_DEPTH`` (Python's parser
    raises ``RecursionError`` near 1000), an integer longer than Python's int-str digit limit,
    and a lone surrogate escape, which cannot be written as UTF-8."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise SourceError("JSON nested too deep", "deeper than Python's recursion limit") from None
    except json.JSONDecodeError as err:
        raise SourceError("invalid JSON", str(err)) from None
    except ValueError as err:  # sys.get_int_max_str_digits(): "Exceeds the limit (4300 digits) ..."
        raise SourceError("JSON number too long", str(err)) from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH or _SURROGATE_ESCAPE.search(text):
        _check_value(data)
    return data


def _check_value(data: Any) -> None:
    """Walk a parsed JSON value (without recursion) for nesting depth and lone surrogates."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise SourceError("JSON nested too deep", f"more than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            stack += [(key, depth) for key in value] + [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            stack += [(item, depth + 1) for item in value]
        elif isinstance(value, str) and (bad := _SURROGATE.search(value)):
            raise SourceError("invalid text", f"lone surrogate \\u{ord(bad.group()):04x}; not valid Unicode")


def _jsonl_rows(path: Path, options: ReadOptions) -> Iterator[Row | Rejection]:
    with open_text(path, options.encoding) as handle:
        for number, line in enumerate(capped_lines(handle), start=1):
            where = f"{path}:{number}"
            if line is None:
                yield too_long(path, number)
                continue
            if not line.strip():
                continue
            if problem := undecodable(line, handle.encoding):
                yield reject(where, "cannot decode", problem)
                continue
            try:
                data = parse_json(line)
            except SourceError as err:
                yield reject(where, err.reason, err.detail)
                continue
            if not isinstance(data, dict):
                yield reject(where, "not a JSON object", f"got {type(data).__name__}")
                continue
            yield Row(where, data)


def _json_rows(path: Path, options: ReadOptions) -> Iterator[Row | Rejection]:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise SourceError("JSON file too large", f"{size:,} bytes > {MAX_JSON_BYTES:,}; write it as JSONL")
    with open_text(path, options.encoding) as handle:
        text = handle.read()
        if problem := undecodable(text, handle.encoding):
            raise SourceError("cannot decode", problem)
    items = _json_records(parse_json(text))
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield Row(f"{path}[{index}]", item)
        else:
            yield reject(f"{path}[{index}]", "not a JSON object", f"got {type(item).__name__}")


def _json_records(data: Any) -> list[Any]:
    """A list of records, a single record, or a wrapper like ``{"data": [...]}`` with one list."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        return lists[0] if len(lists) == 1 and len(data) == 1 else [data]
    raise SourceError("not a JSON record file", f"top level is {type(data).__name__}, not an object or a list")


def _csv_rows(path: Path, options: ReadOptions, delimiter: str) -> Iterator[Row | Rejection]:
    with open_text(path, options.encoding, newline="") as handle:
        skipped: list[int] = []
        numbered = _numbered(capped_lines(handle), skipped)
        reader = csv.reader(numbered, delimiter=delimiter)
        header: list[str] | None = None
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                yield reject(f"{path}:{reader.line_num}", "malformed CSV row", str(err))
                continue
            while skipped:
                yield too_long(path, skipped.pop(0))
            if not any(cell.strip() for cell in cells):
                continue
            if problem := next(filter(None, (undecodable(cell, handle.encoding) for cell in cells)), None):
                if header is None:
                    raise SourceError("cannot decode", f"header row: {problem}")
                yield reject(f"{path}:{reader.line_num}", "cannot decode", problem)
                continue
            if header is None:
                header = _header(cells)
                continue
            if len(cells) > len(header):
                detail = f"{len(cells)} cells, header has {len(header)}"
                yield reject(f"{path}:{reader.line_num}", "row has more cells than the header", detail)
                continue
            values = [cell.strip() for cell in cells] + [""] * (len(header) - len(cells))
            yield Row(f"{path}:{reader.line_num}", dict(zip(header, values)))
        while skipped:
            yield too_long(path, skipped.pop(0))
    if header is None:
        raise SourceError("no header row", "the CSV has no non-empty row")


def _numbered(lines: Iterator[str | None], skipped: list[int]) -> Iterator[str]:
    """Feed ``csv`` the lines, replacing over-long ones by blank lines noted in ``skipped``."""
    for number, line in enumerate(lines, start=1):
        if line is None:
            skipped.append(number)
            yield "\n"
        else:
            yield line


def _header(cells: list[str]) -> list[str]:
    """Column names, stripped; blank or repeated names get a position suffix so none is lost."""
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff") or f"列{position}"
        names.append(f"{name}_{position}" if name in names else name)
    return names


def _xlsx_rows(path: Path) -> Iterator[Row | Rejection]:
    if importlib.util.find_spec("openpyxl") is None:
        raise SourceError("xlsx needs openpyxl", "pip install openpyxl, or export the sheet as CSV")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises zipfile/KeyError/ValueError subclasses for bad files
        raise SourceError("unreadable xlsx", f"{type(err).__name__}: {err}") from None
    try:
        for sheet in book.worksheets:
            header: list[str] | None = None
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = ["" if value is None else str(value) for value in values]
                if not any(cell.strip() for cell in cells):
                    continue
                if header is None:
                    header = _header(cells)
                    continue
                yield Row(f"{path}:{sheet.title}!{number}", dict(zip(header, values)))
    finally:
        book.close()


def column_for(
    field: str, options: ReadOptions, data: dict[str, Any], defaults: dict[str, tuple[str, ...]] = _DEFAULT_COLUMNS
) -> str | None:
    """The input column that holds ``field``: the mapped one, else a conventional name present."""
    if field in options.mapping:
        return options.mapping[field]
    return next((name for name in defaults.get(field, ()) if name in data), None)


def as_text(value: Any) -> str:
    """A cell as text: ``None`` is empty, everything else its stripped string form."""
    return "" if value is None else str(value).strip()


def cell(data: dict[str, Any], column: str | None) -> str:
    """The text of ``column`` in a record; empty when there is no such column."""
    return as_text(data.get(column)) if column else ""


def leftover_meta(row: Row, used: set[str | None]) -> dict[str, Any]:
    """The record's columns that no Document field took, plus where the record came from."""
    meta = {key: value for key, value in row.data.items() if key not in used}
    meta["origin"] = row.where
    return meta


def record_lines(data: dict[str, Any], hidden: tuple[str, ...] = ()) -> str:
    """A record as ``列: 值`` lines (empty cells and ``hidden`` label columns left out)."""
    return "\n".join(f"{key}: {as_text(value)}" for key, value in data.items() if as_text(value) and key not in hidden)


def row_to_document(row: Row, options: ReadOptions) -> Document | Rejection:
    """One record as a Document; a record with no text is rejected."""
    columns = {field: column_for(field, options, row.data) for field in FIELDS}
    text = cell(row.data, columns["text"]) if columns["text"] else record_lines(row.data, tuple(c for c, _ in options.label_columns))
    if not text:
        detail = f"column {columns['text']!r} is missing or empty" if columns["text"] else "all cells empty"
        return reject(row.where, "empty text", detail)
    return Document(
        source=options.source_name,
        kind=options.kind,
        title=cell(row.data, columns["title"]),
        text=text,
        published_at=cell(row.data, columns["published_at"]) or None,
        meta=_renamed(leftover_meta(row, set(columns.values())), dict(options.label_columns)),
    )


def _renamed(meta: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(key, key): value for key, value in meta.items()}


def check_mapping(options: ReadOptions, fields: tuple[str, ...]) -> None:
    """Fail the file early when the mapping names a field this reader does not have."""
    unknown = sorted(set(options.mapping) - set(fields))
    if unknown:
        raise SourceError("unknown mapping field", f"{', '.join(unknown)}; this reader maps {', '.join(fields)}")


def read_records(
    path: Path, options: ReadOptions, fields: tuple[str, ...], convert: Callable[[Row, ReadOptions], Item]
) -> Iterator[Item]:
    """The shared loop of record readers: each row through ``convert``, bad rows passed on."""
    check_mapping(options, fields)
    for row in iter_rows(path, options):
        yield row if isinstance(row, Rejection) else convert(row, options)


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Each record of a table file as a Document."""
    return read_records(path, options, FIELDS, row_to_document)

