"""Excel workbooks (XLSX, XLSM): sized from the zip before reading, then read to the real end.

The sheet is read with calamine, which reads every cell whatever the `<dimension>` tag claims
(openpyxl's read-only mode trusts the tag and silently drops rows past it). Before that, the
zip's parts are measured and the sheet's rows counted while streaming, so a small file that
expands to millions of rows is refused in seconds, not after using gigabytes.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import numpy as np

from kmsynth.errors import InputError
from kmsynth.ingest.raw import RawTable, ReadLimits, cell_text, shown_header, table_frame

_ROW_WITH_CELLS = re.compile(rb"<(?:\w+:)?row\b[^>]*(?<!/)>")  # <row/> holds no cell
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml$")


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            "the workbook cannot be opened (not a valid .xlsx zip)",
            file=str(path),
            hint="save it again from Excel as .xlsx",
        ) from None


def _count_rows(zf: zipfile.ZipFile, part: str, stop_after: int, max_bytes: int) -> int:
    """Rows holding cells in one sheet part, streamed; stops once above `stop_after`."""
    rows, seen, tail = 0, 0, b""
    with zf.open(part) as fh:
        while chunk := fh.read(1 << 20):
            seen += len(chunk)
            if seen > max_bytes:
                return -1
            buf = tail + chunk
            cut = buf.rfind(b"<")
            rows += len(_ROW_WITH_CELLS.findall(buf, 0, cut if cut > 0 else len(buf)))
            tail = buf[cut:] if cut > 0 else b""
            if rows > stop_after:
                break
    return rows + len(_ROW_WITH_CELLS.findall(tail))


def _sheet_part(zf: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The zip part holding `sheet` (the first sheet when None); None when it cannot be told."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    sheets = re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book)
    for tag in sheets:
        label = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
        if rid and (sheet is None or (label and html.unescape(label.group(1)) == sheet)):
            target = re.search(
                r'<Relationship\b[^>]*\bId="'
                + re.escape(rid.group(1) or rid.group(2))
                + r'"[^>]*\bTarget="([^"]*)"',
                rels,
            )
            if target is None:  # attributes in the other order
                target = re.search(
                    r'<Relationship\b[^>]*\bTarget="([^"]*)"[^>]*\bId="'
                    + re.escape(rid.group(1) or rid.group(2))
                    + '"',
                    rels,
                )
            if target:
                t = target.group(1).lstrip("/")
                return t if t.startswith("xl/") else "xl/" + t
            return None
    return None


def check_workbook_size(path: Path, limits: ReadLimits, sheet: str | None = None) -> None:
    """Refuse a workbook whose parts expand past the limits, before any sheet is read.

    The declared sizes of the zip's parts are checked first, then the rows of the sheet to read
    (of every sheet when its part cannot be told) are counted while decompressing (the
    declared sizes may lie); both checks stop at the limit.
    """
    name = str(path)
    cap = int(limits.max_decompressed_mb * 2**20)
    hint = "split the workbook (e.g. by month), or raise limits.max_decompressed_mb"
    with _open_zip(path) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > cap:
            raise InputError(
                f"the workbook expands to {total / 2**20:,.0f} MB, above the cap of "
                f"{limits.max_decompressed_mb:,.0f} MB",
                file=name,
                hint=hint,
            )
        part = _sheet_part(zf, sheet)
        for info in infos:
            if not _SHEET_PART.match(info.filename) or part not in (None, info.filename):
                continue
            rows = _count_rows(zf, info.filename, limits.max_rows + 1, cap)
            if rows < 0:
                raise InputError(
                    f"a sheet expands past the cap of {limits.max_decompressed_mb:,.0f} MB",
                    file=name,
                    hint=hint,
                )
            limits.refuse_rows(rows - 1, name, at_least=True)  # the header row aside


def read_xlsx(path: Path, sheet: str | None, limits: ReadLimits | None = None) -> RawTable:
    """Read a sheet (the first by default) as text, to its real last row."""
    from python_calamine import CalamineWorkbook

    limits = limits or ReadLimits()
    name = str(path)
    check_workbook_size(path, limits, sheet)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own kinds for a broken file
        raise InputError(
            f"the workbook cannot be opened ({type(exc).__name__})",
            file=name,
            hint="save it again from Excel as .xlsx",
        ) from None
    try:
        names = list(wb.sheet_names)
        if sheet and sheet not in names:
            raise InputError(
                f"no sheet named {shown_header(sheet)!r}",
                file=name,
                hint="sheets are: " + ", ".join(map(shown_header, names)),
            )
        ws = wb.get_sheet_by_name(sheet) if sheet else wb.get_sheet_by_index(0)
        first_row = ws.start[0] if ws.start else 0
        rows = ws.to_python(skip_empty_area=True)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"the sheet cannot be read ({type(exc).__name__})",
            file=name,
            hint="save it again from Excel as .xlsx",
        ) from None
    finally:
        wb.close()
    header, body, lines = None, [], []
    for i, row in enumerate(rows, start=first_row + 1):
        cells = [cell_text(v) for v in row]
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            continue
        body.append(cells)
        lines.append(i)
    if header is None:
        raise InputError("the sheet is empty: no header row", file=name)
    while header and not header[-1]:
        header.pop()
    frame = table_frame(header, body)
    return RawTable(frame, name, "", "xlsx", lines=np.asarray(lines, dtype=np.int64))
