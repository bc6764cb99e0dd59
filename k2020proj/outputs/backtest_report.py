"""Backtest outputs: pairs CSV, summary in Markdown and XLSX, error-vs-horizon chart, JSON.

Every file says where its numbers come from: the source line (SSB tables, k2020proj
version), the projection vintages used, the data source and municipality structure,
and, when any input was synthetic, that it was.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from k2020proj import __version__
from k2020proj.backtest.metrics import SCORES
from k2020proj.backtest.runner import BacktestResult, span_text
from k2020proj.backtest.summary import score_records
from k2020proj.errors import UsageError
from k2020proj.atomic import atomic_write, write_text
from k2020proj.outputs.backtest_reading import reading
from k2020proj.outputs.formats import Table, source_line, write_csv, write_workbook

FORMATS = ("csv", "md", "xlsx", "png", "json")
SCORE_HEADERS = {"n": "n", "mape": "MAPE %", "mdape": "MdAPE %", "wape": "WAPE %",
                 "bias": "bias %", "within5": "within ±5 %"}
TABLE_TITLES = {
    "overall": "Scores per method and horizon (all regions of the run pooled)",
    "size_class": "Scores per municipality size class (inhabitants at the base year)",
    "county": "Scores per county (municipalities pooled)",
    "sum": "Scores of all municipalities of the run summed (the whole country when not filtered)",
    "region": "Scores per region (base years pooled)",
    "decomposition": "Error decomposition: population projection vs model (signed, % of actual)",
}


def source(result: BacktestResult) -> str:
    """«Kilde: Statistisk sentralbyrå (tabell …), beregninger med k2020proj <version>»."""
    return source_line(result.provenance.get("tables", ()), lang="no")


def provenance_lines(result: BacktestResult) -> list[str]:
    """One line per provenance fact, for beside every table and chart."""
    prov = result.provenance
    lines = [source(result), f"k2020proj {__version__}; data source: {prov.get('source', '?')}; "
                             f"municipality structure of the actuals: {prov.get('structure', '?')}"]
    if prov.get("vintages"):
        lines.append("Projection vintages: " + ", ".join(
            f"{v} (table {t})" for v, t in sorted(dict(prov["vintages"]).items())))
    if prov.get("synthetic"):
        lines.append("SYNTHETIC DATA: some inputs were generated, not recorded by SSB.")
    return lines + list(result.notes)


def write_report(result: BacktestResult, out: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write the requested ``formats`` into ``out``; returns the paths written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {', '.join(unknown)}: use any of {', '.join(FORMATS)}")
    writers = {"csv": _pairs_csv, "md": _markdown, "xlsx": _workbook, "png": _chart, "json": _json}
    return [writers[f](result, Path(out)) for f in FORMATS if f in formats]


def _pairs_csv(result: BacktestResult, out: Path) -> Path:
    frame = result.pairs.assign(source=source(result), k2020proj_version=__version__)
    return write_csv(frame, out / "pairs.csv", "en")


def markdown_table(frame: pd.DataFrame, decimals: int = 1) -> str:
    """A pipe table: numbers with ``decimals`` places, counts as integers, missing as ``..``."""
    def cell(value: object) -> str:
        if isinstance(value, (float, np.floating)):
            return ".." if np.isnan(value) else (f"{value:.{decimals}f}" if value % 1 else f"{value:.0f}")
        return str(value)
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def overview(result: BacktestResult, scores: Sequence[str] = ("mape", "wape", "bias"),
             table: str = "overall") -> str:
    """The headline printed at the end of a run: one column per method.

    One pipe table per score in ``scores``, rows per group and horizon (and per size
    class or county for those tables); ``n`` is the number of pairs of the reference
    method (a baseline may have fewer: the trend needs five years before t0).
    """
    frame = result.tables[table]
    index = [c for c in frame.columns[:frame.columns.get_loc("n")] if c not in ("level", "method")]
    methods = list(dict.fromkeys(frame["method"]))
    counts = frame[frame["method"] == result.reference].set_index(index)["n"]
    blocks = []
    for name in scores:
        wide = frame.pivot_table(index=index, columns="method", values=name, sort=False)[methods]
        joined = pd.concat([counts, wide], axis=1).reset_index()
        blocks.append(f"{SCORE_HEADERS[name]}\n\n{markdown_table(joined)}")
    return "\n\n".join(blocks)


def region_pivot(result: BacktestResult, group: str) -> pd.DataFrame:
    """Per region and horizon, MAPE of each method as ``a / b / c`` (method order in the header)."""
    table = result.tables["region"]
    table = table[table["group"] == group]
    methods = list(dict.fromkeys(table["method"]))
    cells = table.pivot_table(index="region", columns=["horizon", "method"], values="mape", sort=False)
    frame = pd.DataFrame(index=cells.index)
    for horizon in sorted({h for h, _ in cells.columns}):
        frame[f"h{horizon}"] = [" / ".join(f"{cells.get((horizon, m), pd.Series()).get(r, np.nan):.1f}"
                                           for m in methods) for r in cells.index]
    frame.index = [f"{r} {result.names[r]}" if result.names.get(r, r) != r else r for r in frame.index]
    return frame.rename_axis("region").reset_index().rename(
        columns={"region": "region (" + " / ".join(methods) + ")"})


def _markdown(result: BacktestResult, out: Path) -> Path:
    parts = [f"# Backtest: {result.target}, level {result.level}", "",
             f"Base years {span_text(result.base_years)}; horizons {', '.join(map(str, result.horizons))}.", ""]
    parts += [f"- {line}" for line in provenance_lines(result)] + [""]
    if reading(result):
        parts += ["## Reading", "", reading(result), ""]
    parts += [f"## {TABLE_TITLES['overall']}", "", overview(result), ""]
    parts += ["Every score:", "", markdown_table(result.tables["overall"].rename(columns=SCORE_HEADERS)), ""]
    if "size_class" in result.tables:
        parts += [f"## {TABLE_TITLES['size_class']}", "", overview(result, ("mape", "wape", "bias"), "size_class"),
                  "", "Every score:", "", markdown_table(result.tables["size_class"].rename(columns=SCORE_HEADERS)), ""]
    if "sum" in result.tables:
        parts += [f"## {TABLE_TITLES['sum']}", "", overview(result, ("mape", "bias"), "sum"), ""]
    for name in ("county", "decomposition"):
        if name in result.tables and not result.tables[name].empty:
            parts += [f"## {TABLE_TITLES[name]}", "",
                      markdown_table(result.tables[name].rename(columns=SCORE_HEADERS)), ""]
    for group in dict.fromkeys(result.tables["region"]["group"]):
        parts += [f"## MAPE % per region and horizon, group {group}", "",
                  markdown_table(region_pivot(result, group)), ""]
    if result.provenance.get("mapping"):
        parts += ["## Municipality structure: how the data were mapped to the actuals' structure", ""]
        parts += [f"- {line}" for line in result.provenance["mapping"]] + [""]
    text = "\n".join(parts)
    return write_text(out / "summary.md", text)


def _workbook(result: BacktestResult, out: Path) -> Path:
    notes = tuple(provenance_lines(result))
    tables = [Table(name=name, title=TABLE_TITLES[name], frame=frame,
                    headers={**SCORE_HEADERS}, notes=notes,
                    decimals={s: 2 for s in (*SCORES, "bias_total", "bias_population", "bias_model",
                                             "wape_total", "wape_model")})
              for name, frame in result.tables.items() if name in TABLE_TITLES]
    return write_workbook(tables, out / "summary.xlsx")


def _chart(result: BacktestResult, out: Path) -> Path:
    """WAPE against horizon, one line per method, one panel per group."""
    overall = result.tables["overall"]
    groups = list(dict.fromkeys(overall["group"]))
    cols = min(3, max(1, len(groups)))
    rows = -(-len(groups) // cols)
    figure = Figure(figsize=(max(4.2 * cols + 0.5, 9.0), 3.2 * rows + 1.8), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax, group in zip(axes, groups):
        for method, line in overall[overall["group"] == group].groupby("method", sort=False):
            ax.plot(line["horizon"], line["wape"], marker="o", label=method)
        ax.set_title(group, fontsize=10)
        ax.set_xlabel("horizon (years after base year)")
        ax.set_ylabel("WAPE %")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    figure.suptitle(f"Backtest {result.target} ({result.level}): error against horizon", fontweight="bold")
    notes = "\n".join(textwrap.fill(line, 150) for line in provenance_lines(result)[:3])
    figure.text(0.01, 0.01, notes, fontsize=7, color="#444444")
    figure.tight_layout(rect=(0, (notes.count("\n") + 2) * 0.11 / figure.get_figheight(), 1, 0.95))
    return atomic_write(out / "error_by_horizon.png", lambda tmp: figure.savefig(tmp, format="png"))


def summary_json(result: BacktestResult) -> dict:
    """The machine summary: request, provenance and every overall score as a record."""
    def records(frame: pd.DataFrame) -> list[dict]:
        return json.loads(frame.to_json(orient="records"))
    return {
        "k2020proj_version": __version__, "target": result.target, "level": result.level,
        "base_years": list(result.base_years), "horizons": list(result.horizons),
        "provenance": {k: v for k, v in result.provenance.items()}, "notes": list(result.notes),
        "source": source(result), "n_pairs": int(len(result.pairs)), "reading": reading(result),
        "scores": score_records(result.target, result.tables["overall"]),
        "tables": {name: records(frame) for name, frame in result.tables.items() if name != "region"},
    }


def _json(result: BacktestResult, out: Path) -> Path:
    text = json.dumps(summary_json(result), ensure_ascii=False, indent=1, default=str)
    return write_text(out / "summary.json", text)
