"""The ``k2020proj`` command: a thin click layer over the package's public functions.

Commands live in :mod:`k2020proj.commands` and are imported only when run, so
``k2020proj --help`` stays fast. Every :class:`~k2020proj.errors.K2020Error`
becomes one line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import importlib
import sys

import click

from k2020proj import __version__
from k2020proj.errors import K2020Error

#: command name -> (module in k2020proj.commands, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "fetch": ("data", "fetch", "Fetch SSB tables (or the sets the model needs) into the cache."),
    "tables": ("data", "tables", "List the SSB tables k2020proj knows and what each is for."),
    "kommune": ("regions", "kommune", "Look up a municipality code: names, validity, successors."),
    "package": ("package", "package", "Write a county's statistics package: pages, workbook, CSV, charts, provenance."),
    "backtest": ("backtest", "backtest", "Score past projections against what SSB later recorded, beside naive baselines."),
    "project": ("project", "project", "Project supply, demand and gap of care personnel for a municipality, county or the country."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"k2020proj.commands.{module}"), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="k2020proj")
def cli() -> None:
    """Workforce projections for Norway's municipal health and care services.

    Reads Statistics Norway's tables (live from PxWebApi, from the cache in
    data/raw, or from a recorded copy with --source / K2020PROJ_SOURCE), projects
    supply of and demand for health and care personnel per municipality, and
    compares projections with what SSB later recorded.
    """


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning expected failures into one-line errors."""
    try:
        cli.main(args=argv, prog_name="k2020proj", standalone_mode=False)
    except K2020Error as error:
        click.echo(f"k2020proj: error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("k2020proj: aborted", err=True)
        return 130
    return 0



def run() -> None:
    """Console-script entry: exit with :func:`main`'s status."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    run()
