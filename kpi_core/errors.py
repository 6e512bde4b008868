"""The one exception type the core raises for bad input.

Pages show its text; the CLI prints it as ``error: <text>`` and exits 2. Anything else escaping the
core is a bug, not a user mistake.
"""


class InputError(ValueError):
    """Input a user can fix: an unreadable file, an unknown column, an impossible parameter."""
