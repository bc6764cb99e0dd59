"""k2020proj: workforce projections for Norway's municipal health and care services.

The package is a chain of stages, each in a module or folder named for it:
``ssb`` (HTTP client, cache, JSON-stat, Statbank CSV, KLASS) -> ``regions`` and
``harmonised`` (cubes in one municipality structure) -> ``models`` (pure NumPy) ->
``outputs`` (tables, charts, packages, reports) -> ``cli`` (a thin click layer).
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("k2020proj")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from k2020proj.cube import Cube  # noqa: E402
from k2020proj.errors import K2020Error  # noqa: E402

__all__ = ["Cube", "K2020Error", "__version__"]
