"""PNG charts of the package, drawn with Matplotlib's Agg canvas (no display, no pyplot state).

Every chart carries its title and, at the bottom, the source line and the scenario
and data-vintage line, so a chart copied out of the package still says where its
numbers come from. Charts that would show a group of fewer than ``threshold``
persons leave that group out and say so, as the tables do.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from k2020proj.outputs import labels
from k2020proj.outputs import results as res
from k2020proj.atomic import atomic_write
from k2020proj.outputs.formats import THRESHOLD

DPI = 80
PALETTE = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#555555", "#b8860b")
SEXES = {"1": ("men", -1), "2": ("women", 1), "0": ("both_sexes", 1)}


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: Path, title: str, notes: Sequence[str], left: float = 0.9) -> Path:
    """Title on top, the source and scenario lines below, fixed margins (in inches), atomic PNG write.

    Fixed margins instead of a layout engine keep each chart to a fraction of a second.
    """
    width, height = figure.get_size_inches()
    figure.suptitle(title, fontsize=12, fontweight="bold", y=1 - 0.12 / height, va="top")
    wrapped = "\n".join(textwrap.fill(n, int(width * 17)) for n in notes)
    lines = wrapped.count("\n") + 1
    figure.text(0.01, 0.08 / height, wrapped, fontsize=7, color="#444444", va="bottom", ha="left")
    bottom = (0.62 + 0.13 * lines) / height
    figure.subplots_adjust(left=left / width, right=1 - 0.25 / width, top=1 - 0.75 / height,
                           bottom=bottom, wspace=0.3, hspace=0.45)
    return atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=DPI,
                                                          pil_kwargs={"compress_level": 3}))


def supply_demand(results: pd.DataFrame, region: str, path: Path, title: str,
                  notes: Sequence[str], lang: str = "no", threshold: int = THRESHOLD) -> Path:
    """Supply and demand in FTEs over time per occupation, one line per scenario, 80/95 % bands.

    ``results`` is the tidy result frame; ``region`` picks the municipality or county.
    """
    rows = res.select(results, region=region, variable=["supply_fte", "demand_fte"])
    groups = res.occupations(rows)
    small = _small_groups(results, region, groups, threshold)
    cols = min(3, max(1, len(groups)))
    nrows = -(-len(groups) // cols)
    figure = _figure(max(7.5, 4.2 * cols + 0.6), 3.0 * nrows + (1.3 if cols > 1 else 2.2))
    axes = figure.subplots(nrows, cols, squeeze=False).ravel()
    for ax, occupation in zip(axes, groups):
        ax.set_title(labels.occupation(occupation, lang), fontsize=10)
        if occupation in small:
            _hidden(ax, lang, threshold)
            continue
        for colour, scenario in zip(PALETTE, pd.unique(rows["scenario"])):
            for variable, style in (("supply_fte", "-"), ("demand_fte", "--")):
                line = res.select(rows, occupation=occupation, scenario=scenario, variable=variable)
                _band_line(ax, line, colour, style, f"{labels.variable(variable, lang)} – {scenario}")
        ax.set_ylabel(labels.text("fte", lang))
        _year_axis(ax)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    shown = [ax for ax, o in zip(axes, groups) if o not in small]
    if shown:
        handles, names = shown[0].get_legend_handles_labels()
        bands = [Patch(color="#777777", alpha=alpha) for alpha in (0.35, 0.15)]
        shown[0].legend(handles + bands, names + [labels.text("band80", lang), labels.text("band95", lang)],
                        fontsize=7, loc="best")
    return _save(figure, path, title, notes)


def _year_axis(ax) -> None:
    """Whole years on the x axis, a light grid."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.grid(alpha=0.3)


def _small_groups(results: pd.DataFrame, region: str, groups: Sequence[str], threshold: int) -> set[str]:
    """Occupations whose base-year supply in ``region`` is more than 0 and under ``threshold`` persons."""
    persons = res.select(results, region=region, variable="supply_persons")
    first = persons[persons["year"] == persons["year"].min()].groupby("occupation")["value"].max()
    return {o for o in groups if 0 < first.get(o, np.inf) < threshold}


def _hidden(ax, lang: str, threshold: int) -> None:
    ax.text(0.5, 0.5, labels.text("symbols", lang, threshold=threshold).split(",")[1].strip(),
            ha="center", va="center", transform=ax.transAxes, fontsize=9, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _band_line(ax, line: pd.DataFrame, colour: str, style: str, label: str) -> None:
    """One projected path with its 95 % (light) and 80 % (darker) bands where they exist."""
    line = line.sort_values("year")
    years = line["year"].to_numpy()
    for low, high, alpha in (("lo95", "hi95", 0.10), ("lo80", "hi80", 0.20)):
        if line[[low, high]].notna().all(axis=None):
            ax.fill_between(years, line[low], line[high], color=colour, alpha=alpha, linewidth=0)
    ax.plot(years, line["value"], style, color=colour, linewidth=1.6, label=label)


def pyramid(now: pd.DataFrame, later: pd.DataFrame, years: tuple[int, int], path: Path,
            title: str, notes: Sequence[str], lang: str = "no") -> Path:
    """Population pyramid: bars for ``years[0]``, an outline for ``years[1]``.

    Frames are :func:`~k2020proj.outputs.population.pyramid` output; men go left and
    women right, or one side only when the data do not split the sexes.
    """
    figure = _figure(7.5, 6.2)
    ax = figure.subplots()
    for sex, (word, side) in SEXES.items():
        bars, outline = now[now["sex"] == sex], later[later["sex"] == sex]
        if bars.empty:
            continue
        ax.barh(bars["low"], side * bars["persons_per_year"], height=bars["width"], align="edge",
                color=PALETTE[0] if side < 0 else PALETTE[1], alpha=0.55,
                label=f"{labels.text(word, lang)} {years[0]}")
        steps = outline.sort_values("low")
        edges = np.append(steps["low"], steps["low"].iloc[-1] + steps["width"].iloc[-1])
        widths = np.append(steps["persons_per_year"], steps["persons_per_year"].iloc[-1])
        ax.step(side * widths, edges, where="post", color="black", linewidth=1.2,
                label=f"{labels.text(word, lang)} {years[1]}")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_ylabel(labels.text("age", lang))
    ax.set_xlabel(f"{labels.text('persons', lang)} ({_per_year(lang)})")
    ax.xaxis.set_major_formatter(lambda x, _: f"{abs(x):,.0f}".replace(",", " "))
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    return _save(figure, path, title, notes)


def _per_year(lang: str) -> str:
    return "per ettårig alder, i femårsgrupper" if lang == "no" else "per single year of age, in five-year bands"


def demand_index(results: pd.DataFrame, region: str, scenario: str, path: Path, title: str,
                 notes: Sequence[str], lang: str = "no") -> Path:
    """The demand index per service over time (base year = 1) with 80 % bands."""
    rows = res.select(results, region=region, scenario=scenario, variable="demand_index")
    figure = _figure(7.5, 4.6)
    ax = figure.subplots()
    for colour, service in zip(PALETTE, res.services(rows)):
        line = rows[rows["occupation"] == service].sort_values("year")
        if line[["lo80", "hi80"]].notna().all(axis=None):
            ax.fill_between(line["year"], line["lo80"], line["hi80"], color=colour, alpha=0.15,
                            linewidth=0)
        ax.plot(line["year"], line["value"], color=colour, linewidth=1.8,
                label=labels.service(service, lang))
    ax.axhline(1.0, color="black", linewidth=0.6)
    ax.set_ylabel(labels.variable("demand_index", lang))
    ax.legend(fontsize=8)
    _year_axis(ax)
    return _save(figure, path, title, notes)


def compare(table: pd.DataFrame, columns: Sequence[str], headings: Sequence[str], path: Path,
            title: str, notes: Sequence[str]) -> Path:
    """Municipalities side by side: one horizontal bar panel per column of ``table``.

    ``table`` has a ``name`` column and the numeric ``columns``; NaN bars are left out.
    """
    figure = _figure(4.0 * len(columns) + 1.8, 0.32 * len(table) + 2.0)
    axes = figure.subplots(1, len(columns), sharey=True, squeeze=False).ravel()
    positions = np.arange(len(table))[::-1]
    for ax, column, heading, colour in zip(axes, columns, headings, PALETTE[::2]):
        values = table[column].to_numpy(dtype=np.float64)
        ax.barh(positions, np.nan_to_num(values), color=np.where(values < 0, PALETTE[1], colour))
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(textwrap.fill(heading, 34), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, table["name"], fontsize=8)
    longest = max((len(str(n)) for n in table["name"]), default=8)
    return _save(figure, path, title, notes, left=0.3 + 0.075 * longest)
