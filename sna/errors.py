"""Errors that are the user's to fix: the CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "InputError", "SnaError"]


class SnaError(Exception):
    """A mistake in the user's input (a file, the config, an argument), not a bug in sna.

    The message says what is wrong and, where it helps, how to fix it; the CLI prints it
    without a traceback and exits with status 2.
    """


class ConfigError(SnaError):
    """The assessment config is invalid; the message names the file and the key."""

    def __init__(self, path: str | Path, key: str, problem: str) -> None:
        self.path = Path(path)
        self.key = key
        self.problem = problem
        super().__init__(f"{path}: {key}: {problem}")


class InputError(SnaError):
    """A data file cannot be read as what it claims to be.

    Parameters
    ----------
    path
        The file.
    problem
        What is wrong.
    line
        1-based line number in the file, where one applies.
    hint
        How to fix it.
    """

    def __init__(
        self, path: str | Path, problem: str, *, line: int | None = None, hint: str = ""
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{path}, line {line}" if line is not None else f"{path}"
        message = f"{where}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)
