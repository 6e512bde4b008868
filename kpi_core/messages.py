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
    "'{name}' is not a supported file type. Upload a CSV (.csv, .txt, .tsv) or an Excel workbook (.xlsx, .xlsm, .xls)."
)
FILE_NOT_FOUND = "The file '{path}' does not exist."
FILE_UNREADABLE = "The file '{path}' cannot be read ({reason}): check that you may read it."
TOO_MANY_COLUMNS = (
    "The file has {count:,} columns; at most {limit:,} are supported. Export fewer columns, or split the file."
)
TOO_MANY_ROWS = (
    "The file has more than {limit:,} rows, more than Excel itself holds. Export a shorter period or "
    "fewer breakdowns (a weekly instead of a daily report), or split the file."
)
WORKBOOK_TOO_LARGE = (
    "'{name}' would expand to {size} of cells, more than the {limit} this app reads from a workbook. "
    "Export it as CSV, or a shorter period."
)
WORKBOOK_ZIP_BOMB = (
    "'{name}' is not a normal workbook: its part {part} expands {ratio:,.0f} times to {size}, "
    "as zip bombs do. It was not opened."
)
WORKBOOK_TOO_MANY_CELLS = (
    "'{name}' is too large to read: a sheet uses {rows:,} rows and {columns:,} columns (Excel's own limits "
    "are 1,048,576 x 16,384). Export it as CSV, or a smaller range."
)
WORKBOOK_OUT_OF_MEMORY = (
    "'{name}' needs more than {limit} of memory to read (its cells spread over far more rows and columns "
    "than a table needs). Delete stray cells far from the table, or export the sheet as CSV."
)
WORKBOOK_TOO_SLOW = (
    "Reading '{name}' took longer than {seconds:.0f} seconds, so it was stopped. Export the sheet as CSV, "
    "or a smaller range."
)
WARN_SPARSE_SHEET = (
    "The sheet '{sheet}' has cells far away from one another; only the rows and columns that hold something were read."
)

FILE_TOO_SLOW = (
    "Reading '{name}' took longer than {seconds:.0f} seconds, so it was stopped. Export a shorter period or "
    "fewer columns, or split the file."
)
FILE_OUT_OF_MEMORY = (
    "'{name}' needs more memory to read than this app allows for one file. Export a shorter period or fewer "
    "columns, or split the file."
)
WARN_RENAMED_DUPLICATE = "Duplicate column name '{original}': the copy in column {position} is named '{name}'."
WARN_BLANK_HEADER = "Column {position} has a blank name; it is called '{name}'."
WARN_AMBIGUOUS_DATES = (
    "Dates in '{column}' are ambiguous: they could be day-first or month-first (no day above 12); "
    "read as {order}. "
    "Check a few dates, or fix the export's date format."
)
WARN_UNPARSED_VALUES = "{count} value(s) in '{column}' are not {kind}s (e.g. '{example}'); the column is kept as text."
WARN_DROPPED_TOTALS = "{count:,} total/subtotal row(s) were left out so that nothing is counted twice."
WARN_DROPPED_BLANK = "{count:,} blank row(s) were left out."
WARN_TOTAL_KEPT = (
    "{count:,} row(s) look like a total (the first is row {row}) but their numbers do not add up to the "
    "rows above them, so they were kept as data. Check them."
)
WARN_MIXED_CURRENCIES = (
    "'{column}' mixes currencies ({currencies}): its amounts are not added up; split the file by currency "
    "or convert first."
)
WARN_DECIMAL_COMMA = "Numbers in '{column}' use a decimal comma (1.234,50); they were read as such."
WARN_UNCLOSED_QUOTE = (
    'A quote (") opened on line {line} is never closed, so everything after it was read as one cell. '
    "Fix or remove that quote in the file and upload it again."
)
WARN_EMPTY_COLUMN = "Column '{column}' is empty in every row."
WARN_STRAY_QUOTES = (
    '{count:,} quote(s) (") sit inside a value rather than around it (the first on line {line}); those values '
    "were read the way a spreadsheet reads them. Check them."
)
WARN_NOT_FINITE = (
    "{count:,} value(s) in '{column}' are infinite or too large for a number (e.g. 1e309 or 'inf'); "
    "they are left empty."
)
WARN_SUM_OVERFLOW = "The numbers in '{column}' are too large to add up (beyond 1.8e308); its sum is left empty."
WARN_UNDECODABLE = (
    "{count:,} byte(s) are not valid {encoding} (the first on line {line}); the file was read as "
    "{encoding} and they show as \ufffd. Check those cells, or export the file again as UTF-8."
)
WARN_INVISIBLE_CHARACTERS = (
    "{count:,} invisible character(s) (byte-order marks, zero-width spaces) were removed from headers and values."
)
WARN_LONE_CR = (
    "{count:,} line(s) end with a lone carriage return (an old Mac line end) among ordinary ones; "
    "each was read as a line end."
)
WARN_ENCODING = "The file is written in {encoding}, not UTF-8; it was read as such. Check that a few names with accents or non-Latin letters read right."
WARN_NO_ROWS = "The table has column names but no data rows (an export of an empty period?)."
WARN_DESCRIPTION_ROW = (
    "Line {line}, under the header, describes the columns ('{example}'); it was read as part of "
    "the header, not as data."
)
WARN_STACKED = (
    "This file holds {count} tables, one below the other; this is the first, '{name}'. "
    "Add the others one by one (on the Data page, or with --table on the command line)."
)
UNKNOWN_TABLE = "There is no table {table}: the file holds {count} table(s)."
WARN_HEADER_FOUND = (
    "The header is on line {line}; the {above} line(s) above it (a report title, a date range) were skipped."
)
WARN_TIME_ZONES = (
    "Times in '{column}' carry time-zone offsets (e.g. '{example}'); they were converted to UTC, "
    "and times without an offset were taken as UTC."
)
WARN_MERGED_BY_QUOTE = (
    'A quote (") in row {row} runs on over {lines} more line(s) that look like rows of their own; they '
    "were read as one cell of '{column}'{more}. If that is not one long note, fix the quote in the file "
    "and upload it again."
)

# A/B tests: the health gate
AB_SRM = "Users split {observed}, but the plan was {planned} (sample-ratio test {p})."
AB_SRM_FAIL = (
    "A split this far off almost never happens by chance: assignment or tracking is broken, so the arms "
    "cannot be compared fairly. Find the cause (redirects, bots, a variant that loads slowly or fails) "
    "before reading any result."
)
AB_SRM_WARN = "That is unusual; check assignment and tracking before trusting the result."
AB_FEW_USERS = "{arm} has {users:,} users; at least {minimum} per arm are needed."
AB_FEW_CONVERSIONS = (
    "{arm} has {conversions:,} conversions; at least {minimum} per arm are needed before rates can be compared."
)
AB_TOO_SHORT = "The test has run {days} day(s); run it at least {minimum} days so that every weekday is in it."

# A/B tests: verdicts (never "proven", never "x% sure" for a p-value, never "no difference")
AB_NOT_READY_HEALTH = "No verdict yet. {problems}"
AB_NOT_READY_INTERIM = (
    "Interim look: {observed:,} of {planned:,} planned users. No winner is called before the planned sample: "
    "stopping at the first significant look makes false winners far more likely. Switch on sequential "
    "testing to read the result safely at any time."
)
AB_WIN = "{arm} does better than {control}: {value_arm} vs {value_control}, {difference} ({relative})."
AB_LOSS = "{arm} does worse than {control}: {value_arm} vs {value_control}, {difference} ({relative})."
AB_INCONCLUSIVE = (
    "Not enough evidence either way yet: {arm} {value_arm} vs {control} {value_control}, {difference} ({relative})."
)
AB_SO_FAR = "So far: {arm} {value_arm} vs {control} {value_control}, {difference} ({relative})."
AB_RANGE = "The data fit a true difference anywhere from {low} to {high}{relative_range}."
AB_RANGE_NOT_SAME = "A real difference may still be there: this is not evidence that the two perform the same."
AB_CHANCE = (
    "If the two truly performed the same, a gap at least this large would turn up by chance in {odds} ({p}{adjusted})."
)
AB_UNDEFINED = "The difference cannot be tested: {reason}."
AB_MDE = "At its current size this test can detect a change of {mde}{mde_relative} with {power:.0%} power."
AB_NEEDED_PLAN = "{users:,} more users per arm reach the planned sample{weeks}."
AB_NEEDED_OBSERVED = (
    "If the true difference is as large as observed, about {users:,} more users per arm are needed to detect it{weeks}."
)
AB_SEQUENTIAL = "Sequential intervals: valid at every look, so the result may be read at any time."

# --- budget ------------------------------------------------------------------------------------
BUDGET_NO_SPEND = "No spend is mapped per channel: map a spend column (and a channel) on the Mapping page."
BUDGET_NO_TARGET = "'{target}' cannot be a budget target here: it is not mapped. Mapped targets: {options}."
BUDGET_TOO_SHORT = (
    "Only {periods} {grain}s of history: response curves need at least {needed}. Use a finer grain or more history."
)
BUDGET_NEGATIVE_TOTAL = "The total budget must be zero or more, not {total}."
BUDGET_UNKNOWN_CHANNEL = "No channel named '{channel}' has spend in this data. Channels: {channels}."
BUDGET_BAD_BOUND = (
    "Bounds for {channel}: write CHANNEL=MIN:MAX, with amounts or percentages of current spend "
    "(e.g. 'Events=0:5000' or 'Events=80%:120%'); either side may be empty."
)
BUDGET_BOUNDS_CROSSED = "Bounds for {channel}: the minimum {low} is above the maximum {high}."
BUDGET_INFEASIBLE = (
    "The bounds cannot add up to a total of {total}: the channels' minimums add up to {low} and their "
    "maximums to {high}{cap_note}."
)
BUDGET_CAP_NOTE = " (maximums are capped at the largest spend each channel has had; allow going beyond to raise them)"
BUDGET_GOAL_UNREACHABLE = (
    "A {outcome} of {goal} per {grain} is out of reach within the bounds: the most the curves project is {best}."
)
BUDGET_FLAGS: dict[str, str] = {
    "too_few_points": "too few periods with spend to fit a curve: held at its current spend",
    "no_outcome": "no outcome recorded: held at its current spend",
    "no_signal": "spend and outcome do not move together in this history: held at its current spend",
    "narrow_range": "spend barely varied, so the curve's shape is a guess",
    "weakly_identified": "fitted from a total outcome together with the other channels: weakly identified",
}
BUDGET_BEYOND_CAP = "{channel} goes beyond the largest spend it has had ({cap}): the curve there is extrapolated."
BUDGET_SENSITIVITY_HOLDS = (
    "With curves 20% flatter the recommendation still gains {gain} per {grain} over the current split."
)
BUDGET_SENSITIVITY_SAME = (
    "With curves 20% flatter the answer is the same: no split gains measurably over the current one per {grain}."
)
BUDGET_SENSITIVITY_FAILS = (
    "With curves 20% flatter the recommendation would lose {loss} per {grain}: it rests on the curves' shape."
)
