"""Bulk import of planned posts from CSV: read, check every row, then import the valid ones.

    decode(data)                          bytes -> text (UTF-8 with or without BOM, UTF-16 with
                                          BOM, else Windows-1252/Latin-1) and the encoding used
    read_table(text)                      the delimiter (comma, semicolon, tab) and the rows,
                                          each with the line number it starts on
    check(workspace, data, options)       the dry run: a Report with every row's problems
    do_import(membership, data, options, expected_lines)
                                          the valid rows, in one transaction or not at all

Two formats are read (see IMPORT_HELP in the views and `reading.MANYHATS_COLUMNS`):

- Hootsuite's Bulk Composer file: no header, one post per line: date-time, message, optional
  link. The file names no accounts, so the accounts are chosen when uploading. At most 350
  posts per file, as Hootsuite allows.
- The manyhats CSV: a header row naming the columns (any order, any case; unknown columns are
  ignored and listed). The export writes it, so an exported plan imports again.

Times without an offset are read in the workspace's time zone; ISO times with an offset (or
`Z`) are taken as they are. A slashed date whose day and month could both be either
(03/04/2027) is refused unless the upload says which comes first.

Rows are only ever reported, never half-imported: the import re-checks the file, refuses when
the set of valid rows differs from the dry run's, and writes every post in one transaction.

The package: `report` (options, rows, problems, the report), `reading` (encodings,
delimiters, rows with line numbers), `dates` (dates and times, ambiguity and DST),
`vocabulary` (what rows may name), `checks` (the dry run) and `confirm` (the import).
"""

from manyhats.content.planning.imports.checks import (
    HOOTSUITE_MAX_ROWS,
    MAX_BYTES,
    MAX_ROWS,
    MAX_TEXT,
    check,
)
from manyhats.content.planning.imports.confirm import (
    KEEP_SECONDS,
    Imported,
    KeptUpload,
    discard_upload,
    do_import,
    import_kept,
    keep_upload,
    open_upload,
    summary,
)
from manyhats.content.planning.imports.dates import DateProblem, parse_date, parse_time, parse_when
from manyhats.content.planning.imports.reading import (
    EXPORT_ONLY_COLUMNS,
    MANYHATS_COLUMNS,
    TEMPLATE_COLUMNS,
    Line,
    decode,
    read_table,
)
from manyhats.content.planning.imports.report import (
    DATE_ORDER_LABELS,
    DELIMITER_NAMES,
    DELIMITERS,
    ERROR,
    MODE_LABELS,
    SOURCE_LABELS,
    WARNING,
    DateOrder,
    ImportFailed,
    Mode,
    Options,
    Report,
    Row,
    RowProblem,
    Source,
)
from manyhats.content.planning.imports.vocabulary import Vocabulary

__all__ = [
    "DATE_ORDER_LABELS",
    "DELIMITERS",
    "DELIMITER_NAMES",
    "ERROR",
    "EXPORT_ONLY_COLUMNS",
    "HOOTSUITE_MAX_ROWS",
    "KEEP_SECONDS",
    "MANYHATS_COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "MAX_TEXT",
    "MODE_LABELS",
    "SOURCE_LABELS",
    "TEMPLATE_COLUMNS",
    "WARNING",
    "DateOrder",
    "DateProblem",
    "ImportFailed",
    "Imported",
    "KeptUpload",
    "Line",
    "Mode",
    "Options",
    "Report",
    "Row",
    "RowProblem",
    "Source",
    "Vocabulary",
    "check",
    "decode",
    "discard_upload",
    "do_import",
    "import_kept",
    "keep_upload",
    "open_upload",
    "parse_date",
    "parse_time",
    "parse_when",
    "read_table",
    "summary",
]
