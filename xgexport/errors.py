"""One small tree of user-facing errors.

Every error the user can cause is an ``XgError``: the CLI prints its message as one line and
exits 1, without a traceback. Messages say what is wrong, where, and how to fix it.
"""

from __future__ import annotations


class XgError(Exception):
    """A problem with the user's input, options or output folder."""

    exit_code = 1


class InputError(XgError):
    """The input file cannot be read or lacks something a bundle needs."""


class OutputError(XgError):
    """The output folder cannot be written or replaced safely."""


class BundleError(XgError):
    """A bundle is incomplete, altered or of an unknown format version."""


def first_line(exc: BaseException, limit: int = 200) -> str:
    """An exception's message cut to one line (and ``limit`` characters), for the one-line
    errors that wrap what a library raised; its type's name when it has no message."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__
