"""Every sentence the core says to a user, in one place, so pages and CLI say the same thing."""

# ingest
EMPTY_FILE = "The file is empty: there is no header row and no data. Export it again with data in it."
BINARY_FILE = (
    "This does not look like a CSV or text file (it contains binary data). "
    "Upload a .csv, .txt or .tsv export, or an Excel workbook saved as .xlsx."
)
UNREADABLE_CSV = "The file could not be read as CSV ({detail}). Check that it is a plain-text export."
UNREADABLE_WORKBOOK = (
    "'{name}' could not be opened as an Excel workbook ({detail}). "
    "Open it in Excel and save it as .xlsx, or export it as CSV."
)
UNKNOWN_SHEET = "The workbook has no sheet named '{sheet}'. Its sheets are: {sheets}."
EMPTY_SHEET = "The sheet '{sheet}' is empty. Pick another sheet ({sheets})."
UNSUPPORTED_TYPE = (
    "'{name}' is not a supported file type. Upload a CSV (.csv, .txt, .tsv) or an Excel workbook "
    "(.xlsx, .xlsm, .xls)."
)
FILE_NOT_FOUND = "The file '{path}' does not exist."
TOO_MANY_COLUMNS = "The file has {count} columns; at most {limit} are supported."

WARN_RENAMED_DUPLICATE = "Duplicate column name '{original}': the copy in column {position} is named '{name}'."
WARN_BLANK_HEADER = "Column {position} has a blank name; it is called '{name}'."
WARN_AMBIGUOUS_DATES = (
    "Dates in '{column}' are ambiguous: they could be day-first or month-first (no day above 12); "
    "read as {order}. "
    "Check a few dates, or fix the export's date format."
)
WARN_UNPARSED_VALUES = (
    "{count} value(s) in '{column}' are not {kind}s (e.g. '{example}'); the column is kept as text."
)
WARN_DROPPED_TOTALS = "{count} total/subtotal row(s) were left out so that nothing is counted twice."
WARN_DROPPED_BLANK = "{count} blank row(s) were left out."
WARN_DECIMAL_COMMA = "Numbers in '{column}' use a decimal comma (1.234,50); they were read as such."
WARN_UNCLOSED_QUOTE = (
    'A quote (") opened on line {line} is never closed, so everything after it was read as one cell. '
    "Fix or remove that quote in the file and upload it again."
)
WARN_EMPTY_COLUMN = "Column '{column}' is empty in every row."
