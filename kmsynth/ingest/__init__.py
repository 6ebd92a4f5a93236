"""Read, validate and prepare input tables (first stage of the data flow)."""

from kmsynth.ingest.dates import ParsedDates, parse_dates
from kmsynth.ingest.delimited import decode_bytes, read_delimited, sniff_delimiter
from kmsynth.ingest.ledger import LEDGER_COLUMNS, STATUSES, Ledger
from kmsynth.ingest.load import Loaded, load_table
from kmsynth.ingest.mapping import Mapping, apply_mapping, load_mapping
from kmsynth.ingest.prepare import Prepared, client_for, prepare, protect_rows
from kmsynth.ingest.raw import RawTable, ReadLimits, shown_header, shown_id
from kmsynth.ingest.read import SUPPORTED, read_raw, sha256_file, sha256_if_file
from kmsynth.ingest.schemas import (
    LESSON_TYPES,
    Pillar,
    TableSpec,
    check_rows,
    has_words,
    normalise_header,
    parse_bool,
    parse_lesson_type,
    parse_pillar,
    pillar_name,
    pillars,
)
from kmsynth.ingest.workbook import check_workbook_size, read_xlsx

__all__ = [
    "Prepared",
    "prepare",
    "client_for",
    "protect_rows",
    "SUPPORTED",
    "LEDGER_COLUMNS",
    "STATUSES",
    "RawTable",
    "ReadLimits",
    "shown_header",
    "shown_id",
    "sha256_if_file",
    "sha256_file",
    "decode_bytes",
    "sniff_delimiter",
    "read_delimited",
    "read_xlsx",
    "check_workbook_size",
    "read_raw",
    "Mapping",
    "load_mapping",
    "apply_mapping",
    "Ledger",
    "Loaded",
    "load_table",
    "TableSpec",
    "LESSON_TYPES",
    "normalise_header",
    "Pillar",
    "pillars",
    "pillar_name",
    "parse_pillar",
    "parse_lesson_type",
    "parse_bool",
    "ParsedDates",
    "parse_dates",
    "has_words",
    "check_rows",
]
