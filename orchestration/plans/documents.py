"""A plan document read into numbered lines and, for .docx, tables of cells.

Lines are numbered as an editor numbers them: the text split on newline characters only, after
universal-newline translation (what `open(p, encoding='utf-8').read().split('\\n')` gives), so a
line number here is the line number the target catalogue cites. A .docx gives one line per body
paragraph, in document order, and its tables separately with each cell's (table, row, column);
a .pdf gives the lines of its text layer, page after page (a table in a PDF arrives as lines,
one row per line, which the extractor reads like prose rows).

Anything that cannot be read raises `DocumentRefused` with one plain sentence naming the file.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf")


class PlanRefused(ValueError):
    """A plan document or its manifest cannot be used; the message is one sentence."""


class DocumentRefused(PlanRefused):
    """The document cannot be read: unsupported format, corrupt, no text (a scan), bad text."""


@dataclass(frozen=True)
class Cell:
    table: int  # 1-based, in document order
    row: int  # 1-based
    column: int  # 1-based; a merged cell is reported once, at its first column
    text: str


@dataclass(frozen=True)
class Table:
    index: int
    rows: tuple[tuple[Cell, ...], ...]

    def cell(self, row: int, column: int) -> Cell | None:
        if not 1 <= row <= len(self.rows):
            return None
        return next((c for c in self.rows[row - 1] if c.column == column), None)


@dataclass(frozen=True)
class Document:
    path: Path
    name: str  # landing-relative path when a landing folder was given, else the file name
    format: str  # txt | docx | pdf
    lines: tuple[str, ...]
    tables: tuple[Table, ...] = ()
    sha256: str = ""
    encoding: str = ""  # of a .txt: utf-8 or gb18030
    notes: tuple[str, ...] = field(default=())

    def line(self, number: int) -> str | None:
        """The 1-based line, or None beyond the document."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else None

    def cell(self, table: int, row: int, column: int) -> Cell | None:
        if not 1 <= table <= len(self.tables):
            return None
        return self.tables[table - 1].cell(row, column)


def display_name(path: Path, landing_dir: Path | None = None) -> str:
    """The landing-relative path when the file is inside the landing folder, else its name."""
    if landing_dir is not None:
        try:
            return path.resolve().relative_to(landing_dir.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def read_document(path: str | Path, landing_dir: Path | None = None) -> Document:
    path = Path(path)
    name = display_name(path, landing_dir)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentRefused(
            f"{name} is not a plan document this warehouse reads: use .txt, .docx or a .pdf "
            "with a text layer."
        )
    try:
        data = path.read_bytes()
    except OSError:
        raise DocumentRefused(f"{name} cannot be read from disk.") from None
    if not data.strip():
        raise DocumentRefused(f"{name} is empty.")
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".txt":
        text, encoding = _decode_text(data, name)
        return Document(path, name, "txt", tuple(text.split("\n")), (), digest, encoding)
    if suffix == ".docx":
        lines, tables = _read_docx(path, name)
        return Document(path, name, "docx", lines, tables, digest)
    return Document(path, name, "pdf", _read_pdf(path, name), (), digest)


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    # NUL bytes mean UTF-16 or a binary file renamed .txt: GB18030 would decode them to
    # nonsense rather than fail.
    if b"\x00" in data:
        raise DocumentRefused(f"{name} is not text in UTF-8 or GB18030 (UTF-16 or a binary file?).")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # the universal-newline translation open() applies, so lines match an editor's
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise DocumentRefused(f"{name} is not text in UTF-8 or GB18030.")


def _read_docx(path: Path, name: str) -> tuple[tuple[str, ...], tuple[Table, ...]]:
    import docx

    if not zipfile.is_zipfile(path):
        raise DocumentRefused(f"{name} is not a readable .docx file (corrupt or another format).")
    try:
        document = docx.Document(str(path))
    except Exception:  # zip, XML and package errors of a damaged file: none is for the user
        raise DocumentRefused(
            f"{name} is not a readable .docx file (corrupt or another format)."
        ) from None
    lines = tuple(p.text for p in document.paragraphs)
    tables = []
    for t_index, table in enumerate(document.tables, start=1):
        rows = []
        for r_index, row in enumerate(table.rows, start=1):
            cells, seen = [], set()
            for c_index, cell in enumerate(row.cells, start=1):
                # a merged cell repeats in every grid column it spans: report it once
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                cells.append(Cell(t_index, r_index, c_index, cell.text))
            rows.append(tuple(cells))
        tables.append(Table(t_index, tuple(rows)))
    if not any(line.strip() for line in lines) and not tables:
        raise DocumentRefused(f"{name} has no text.")
    return lines, tuple(tables)


def _read_pdf(path: Path, name: str) -> tuple[str, ...]:
    import pdfplumber

    # pdfminer logs every damaged object it skips; the refusal sentence says what matters
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception:  # pdfminer raises many types for damaged files; none is for the user
        raise DocumentRefused(
            f"{name} is not a readable PDF (corrupt or another format)."
        ) from None
    if not any(p.strip() for p in pages):
        raise DocumentRefused(
            f"{name} has no text layer (a scanned PDF?): deliver it as .docx, .txt or a PDF "
            "with text."
        )
    return tuple("\n".join(pages).split("\n"))


__all__ = [
    "Cell",
    "Document",
    "DocumentRefused",
    "PlanRefused",
    "Table",
    "read_document",
]
