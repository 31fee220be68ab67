"""Reading CSV files from the wild: the delimiter sniffed, decimal commas, any text encoding.

Every error names the file (and the line where there is one). Standard library only.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from typing import Any

__all__ = ["DELIMITERS", "MISSING", "check_read_options", "is_missing", "read_csv_file",
           "sniff_delimiter", "to_float"]

# Cell texts that mean "no value" (compared after stripping surrounding blanks).
MISSING = frozenset({"", "NA", "NaN", "nan", "?"})

DELIMITERS = (",", ";", "\t", "|")  # tried in this order when none is given
_SNIFF_LINES = 50  # non-blank lines looked at to choose the delimiter
# A number written with a decimal comma: 1,5  -0,25  3,0e-4
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d*,\d+(?:[eE][-+]?\d+)?\s*$")


def is_missing(cell: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and the strings in MISSING."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return cell.strip() in MISSING
    if isinstance(cell, float):
        return math.isnan(cell)
    # pandas.NA and NaT: checked by type name so pandas is never imported here.
    return type(cell).__name__ in ("NAType", "NaTType")


def to_float(cell: Any) -> float | None:
    """float(cell) when it is a finite number, else None."""
    try:
        value = float(cell.strip() if isinstance(cell, str) else cell)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def looks_like_decimal_comma(cell: Any) -> bool:
    """True for a text such as '1,5' (a number written with a decimal comma)."""
    return isinstance(cell, str) and bool(_DECIMAL_COMMA.match(cell))


def check_read_options(delimiter: str | None, decimal: str, encoding: str | None) -> None:
    """ValueError naming the option that is not usable."""
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter: expected a single character, got {delimiter!r}")
    if decimal not in (".", ","):
        raise ValueError(f"decimal: expected '.' or ',', got {decimal!r}")
    if delimiter is not None and delimiter == decimal:
        raise ValueError(f"delimiter and decimal are both {decimal!r}; a decimal comma needs "
                         "another delimiter, such as ';'")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise ValueError(f"encoding: unknown text encoding {encoding!r} (e.g. 'utf-8', "
                             "'latin-1', 'cp1252')") from None


def sniff_delimiter(lines: list[str], decimal: str = ".") -> str:
    """The first of DELIMITERS that splits every line into the same number (> 1) of fields;
    ',' when none does (a one-column file)."""
    for delimiter in DELIMITERS:
        if delimiter == decimal:
            continue
        counts = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(counts) == 1 and counts.pop() > 1:
            return delimiter
    return ","


def _decimal_point(cell: str) -> str:
    """'1,5' -> '1.5' for a number with a decimal comma; any other cell unchanged."""
    return cell.replace(",", ".") if _DECIMAL_COMMA.match(cell) else cell


def read_csv_file(path: str | os.PathLike, delimiter: str | None = None, decimal: str = ".",
                  encoding: str | None = None) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and the file line of each data row; blank lines are skipped.

    ``delimiter=None`` sniffs it (``sniff_delimiter``); ``decimal=","`` reads 1,5 as 1.5;
    ``encoding=None`` is UTF-8 (a byte-order mark is dropped).
    """
    check_read_options(delimiter, decimal, encoding)
    name = os.fspath(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        # utf-8-sig drops a byte-order mark that spreadsheet programs like to write.
        text = raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ValueError(
            f"{name}: line {line} is not valid "
            f"{encoding or 'UTF-8'} text (byte {raw[exc.start:exc.start + 1]!r}); give the "
            f"file's encoding, e.g. encoding='latin-1' (CLI: --encoding latin-1)") from None
    # newline="": lines keep their own endings, so quoted fields may span lines (csv's rule)
    lines = list(io.StringIO(text, newline=""))
    if delimiter is None:
        sample = [line for line in lines[:10 * _SNIFF_LINES] if line.strip()][:_SNIFF_LINES]
        delimiter = sniff_delimiter(sample, decimal)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # leading blank lines
        if header is None:
            raise ValueError(f"{name}: the file is empty; expected a header row followed by "
                             "data rows")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ValueError(
                    f"{name}: line {reader.line_num} has {len(row)} fields, expected "
                    f"{len(header)} like the header row (delimiter {delimiter!r}; give "
                    f"another with delimiter= (CLI: --delimiter))")
            rows.append([_decimal_point(cell) for cell in row] if decimal == "," else row)
            line_numbers.append(reader.line_num)
    except csv.Error as exc:
        raise ValueError(f"{name}: line {reader.line_num}: {exc}") from None
    return [cell.strip() for cell in header], rows, line_numbers

