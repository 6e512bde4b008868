"""The one exception type the core raises for bad input.

Pages show its text; the CLI prints it as ``error: <text>`` and exits 2. Anything else escaping the
core is a bug, not a user mistake.
"""


class InputError(ValueError):
    """Input a user can fix: an unreadable file, an unknown column, an impossible parameter."""


class WriteConflict(InputError):
    """Someone else changed the same goal or annotation since this user read it: nothing was saved.

    ``current`` is what is stored now (None when it was deleted), so a page can show both versions
    and pass ``current`` as the new starting point when the user saves again to overwrite.
    """

    def __init__(self, message: str, current: object | None = None) -> None:
        super().__init__(message)
        self.current = current
