"""Options shared by the commands that read SSB data."""
from __future__ import annotations

from typing import Callable

import click

#: --source, --offline and --quiet as every data-reading command offers them
DATA_OPTIONS = (
    click.option("--source", type=click.Path(file_okay=False), default=None,
                 help="Folder of recorded SSB data; default K2020PROJ_SOURCE, else SSB live (cached)."),
    click.option("--offline", is_flag=True, help="Use the response cache only, never the network."),
    click.option("--quiet", is_flag=True, help="No progress bar (it is shown only on a terminal anyway)."),
)


def data_options(command: Callable) -> Callable:
    """Add :data:`DATA_OPTIONS` to a click command function (in their listed order)."""
    for option in reversed(DATA_OPTIONS):
        command = option(command)
    return command
