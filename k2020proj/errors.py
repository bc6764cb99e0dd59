"""Errors that reach the user as one clear line.

Every expected failure (bad input, SSB faults, corrupt cache, invalid scenario)
is raised as a subclass of :class:`K2020Error`. The CLI prints ``str(error)``
on one line and exits with the error's ``exit_code``; it never shows a
traceback for these.
"""


class K2020Error(Exception):
    """Base class: a failure the user can act on, described in one line."""

    exit_code = 1

    def __str__(self) -> str:
        return " ".join(super().__str__().split())


class UsageError(K2020Error):
    """Bad input from the user: unknown code, year out of range, bad option."""

    exit_code = 2


class SSBError(K2020Error):
    """SSB could not be reached or answered with an error."""

    exit_code = 3


class DataError(K2020Error):
    """Data found but unusable: malformed response, corrupt cache, missing cells."""

    exit_code = 4


class OfflineMissingError(DataError):
    """``--offline`` was asked for and the cache lacks what the job needs."""


class ScenarioError(UsageError):
    """A scenario file is invalid: unknown key, bad type or out-of-range value."""
