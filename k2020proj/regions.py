"""Norway's municipality codes 1994–2024: names, validity, successors and counties.

A :class:`RegionHistory` knows every municipality code in use since 1994, the years
it was valid, what replaced it (the next code, and its municipality in the newest
structure) and its county. It is built from SSB's own classifications
(:mod:`k2020proj.ssb.klass`):

- the ``agg_KommSummer`` grouping decides, as Statbank does, which municipality of
  the newest structure a historical code belongs to (Haram 1534 → 1580 even though
  Haram was part of Ålesund 1507 in 2020–2023);
- code changes (KLASS ``changes.json``, or FHI's location table to 2020) give the
  step-by-step chain (Holmestrand 0702 → 0715 → 3802 → 3903) and, for the codes
  SSB puts in ``K.Rest`` because they were split (Tysfjord 1850 → Narvik 1806 and
  Hamarøy 1875), where they went;
- split shares are estimated from population (:meth:`RegionHistory.with_population`)
  and always reported; without population they are equal and say so.

Lookups (:meth:`RegionHistory.resolve`) accept current and old codes, ``K-`` codes and
names, case- and diacritics-insensitively; an unknown code is a
:class:`~k2020proj.errors.UsageError` that lists close matches.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import lsq_linear

from k2020proj.cube import Cube
from k2020proj.errors import UsageError
from k2020proj.ssb.klass import AggMember, CodeChange, CodeRecord, records_from_agg

#: the first year of SSB's grouping "Kommuner 1994-2024": the oldest structure a history targets
FIRST_YEAR = 1994
NATIONAL = "0"
NATIONAL_NAME = "Hele landet"
REST = "Rest"
#: county prefixes of codes that are not municipalities (Svalbard, Jan Mayen, the shelf, unknown)
NON_MUNICIPAL = ("21", "22", "23", "99")
_CODE = re.compile(r"^(?:K-)?(\d{3,4}[a-z]?)$", re.IGNORECASE)  # SSB's grouping has 0716u (Våle)
_COUNTY = re.compile(r"^(?:F-)?(\d{2})$", re.IGNORECASE)

#: Norway's counties 1994–2024 (KLASS classification 104), used when a source has no
#: county list of its own: code, name, first and last year (None = open).
COUNTY_TABLE: tuple[CodeRecord, ...] = tuple(CodeRecord(*row) for row in (
    ("01", "Østfold", None, 2019), ("02", "Akershus", None, 2019), ("03", "Oslo", None, None),
    ("04", "Hedmark", None, 2019), ("05", "Oppland", None, 2019), ("06", "Buskerud", None, 2019),
    ("07", "Vestfold", None, 2019), ("08", "Telemark", None, 2019), ("09", "Aust-Agder", None, 2019),
    ("10", "Vest-Agder", None, 2019), ("11", "Rogaland", None, None), ("12", "Hordaland", None, 2019),
    ("14", "Sogn og Fjordane", None, 2019), ("15", "Møre og Romsdal", None, None),
    ("16", "Sør-Trøndelag", None, 2017), ("17", "Nord-Trøndelag", None, 2017),
    ("18", "Nordland - Nordlánnda", None, None), ("19", "Troms - Romsa", None, 2019),
    ("20", "Finnmark - Finnmárku", None, 2019), ("50", "Trøndelag - Trööndelage", 2018, None),
    ("30", "Viken", 2020, 2023), ("34", "Innlandet", 2020, None),
    ("38", "Vestfold og Telemark", 2020, 2023), ("42", "Agder", 2020, None),
    ("46", "Vestland", 2020, None), ("54", "Troms og Finnmark - Romsa ja Finnmárku", 2020, 2023),
    ("31", "Østfold", 2024, None), ("32", "Akershus", 2024, None), ("33", "Buskerud", 2024, None),
    ("39", "Vestfold", 2024, None), ("40", "Telemark", 2024, None),
    ("55", "Troms - Romsa - Tromssa", 2024, None), ("56", "Finnmark - Finnmárku - Finmarkku", 2024, None),
))


def fold(text: str) -> str:
    """A name reduced for matching: lower case, ``æøå`` and accents spelled plainly."""
    text = str(text).casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(text.split())


def span(first: int | None, last: int | None) -> str:
    """Validity as people write it: ``2020–2023``, ``–2019``, ``2024–`` (empty if unknown)."""
    if first is None and last is None:
        return ""
    return f"{first or ''}–{last or ''}"


@dataclass(frozen=True)
class Municipality:
    """A resolved municipality code with its history, as ``k2020proj kommune`` shows it.

    ``successors`` are the codes of the target structure with the share of this
    code's population that went to each; ``chain`` is the line of codes this one
    belongs to (``0702 → 0715 → 3802 → 3903``); ``formerly`` the codes it replaced.
    """

    code: str
    name: str
    valid_from: int | None
    valid_to: int | None
    county: str
    county_name: str
    target: int
    successors: tuple[tuple[str, str, float], ...]
    chain: tuple[tuple[str, str, int | None, int | None], ...]
    formerly: tuple[tuple[str, str, int | None, int | None], ...]
    municipal: bool = True

    @property
    def current(self) -> bool:
        """True if the code is in use in the target structure."""
        return len(self.successors) == 1 and self.successors[0][0] == self.code

    @property
    def validity(self) -> str:
        return span(self.valid_from, self.valid_to)

    def to_dict(self) -> dict:
        """A JSON-ready description (codes as strings, validity as years)."""
        def entry(code, name, first, last):
            return {"code": code, "name": name, "valid_from": first, "valid_to": last}
        return {
            "code": self.code, "name": self.name, "valid_from": self.valid_from,
            "valid_to": self.valid_to, "municipal": self.municipal,
            "county": {"code": self.county, "name": self.county_name},
            "structure": str(self.target), "current": self.current,
            "successors": [{"code": c, "name": n, "share": s} for c, n, s in self.successors],
            "chain": [entry(*c) for c in self.chain], "formerly": [entry(*c) for c in self.formerly],
        }


@dataclass(frozen=True)
class County:
    """A county code, its validity and the counties of the newest structure it went into."""

    code: str
    name: str
    valid_from: int | None
    valid_to: int | None
    today: tuple[str, ...]


@dataclass(frozen=True)
class CodeMapping:
    """How one code maps into a target structure: target code → weight, and the method."""

    code: str
    targets: Mapping[str, float]
    method: str
    basis: str = ""


@dataclass
class RegionHistory:
    """Every municipality code of a period with validity, successors and counties.

    Build it with :func:`build_history` (or a source's ``region_history()``). The
    newest structure is ``end_year``; :meth:`mapping` tells for any target year how a
    code's population is distributed over that year's codes.
    """

    records: dict[str, CodeRecord]
    groups: dict[str, str]
    successors: dict[str, tuple[str, ...]]
    counties: dict[str, CodeRecord]
    source: str = ""
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    share_basis: dict[str, str] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)

    # -- structure ---------------------------------------------------------------------
    @cached_property
    def end_year(self) -> int:
        """The newest structure: the year after the last code ended (or the latest start)."""
        ends = [r.valid_to + 1 for r in self.records.values() if r.valid_to is not None]
        starts = [r.valid_from for r in self.records.values() if r.valid_from is not None]
        return max(ends + starts + [FIRST_YEAR])

    first_year = FIRST_YEAR

    @cached_property
    def predecessors(self) -> dict[str, tuple[str, ...]]:
        """Immediate predecessors of each code (inverse of ``successors``)."""
        back: dict[str, list[str]] = defaultdict(list)
        for old, news in self.successors.items():
            for new in news:
                back[new].append(old)
        return {code: tuple(sorted(olds)) for code, olds in back.items()}

    def record(self, code: str) -> CodeRecord:
        """The code's record; :class:`UsageError` with close matches if unknown."""
        try:
            return self.records[code]
        except KeyError:
            raise UsageError(f"unknown municipality code {code!r}{self._suggest(code)}") from None

    def is_municipal(self, code: str) -> bool:
        """False for Svalbard, Jan Mayen, the continental shelf and 'unknown' codes."""
        return code[:2] not in NON_MUNICIPAL

    def valid_in(self, code: str, year: int) -> bool:
        return self.records[code].valid_in(year)

    def municipalities(self, year: int | None = None) -> list[str]:
        """Codes of the municipalities in use on 1 January ``year`` (default: newest)."""
        year = self.end_year if year is None else year
        return sorted(c for c, r in self.records.items() if self.is_municipal(c) and r.valid_in(year))

    def name(self, code: str) -> str:
        """A code's name; counties and ``0`` (the whole country) included."""
        if code == NATIONAL:
            return NATIONAL_NAME
        if code in self.counties and len(code) == 2:
            return self.counties[code].name
        return self.record(code).name

    # -- mapping into a target structure --------------------------------------------------
    def share(self, old: str, new: str) -> float:
        """Share of ``old``'s population that went to its successor ``new``."""
        nexts = self.successors.get(old, ())
        if len(nexts) == 1:
            return 1.0
        if old in self.shares:
            return self.shares[old].get(new, 0.0)
        return 1.0 / len(nexts)

    def basis(self, code: str) -> str:
        """How the split shares of ``code`` (or of a code on its way) were set."""
        for step in self._path_codes(code):
            if len(self.successors.get(step, ())) > 1:
                return self.share_basis.get(step, "equal shares (no population weights)")
        return ""

    def _path_codes(self, code: str) -> list[str]:
        seen, todo = [], [code]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.append(current)
                todo.extend(self.successors.get(current, ()))
        return seen

    def targets(self, code: str, target: int | None = None) -> dict[str, float]:
        """Codes of the ``target`` structure that ``code`` went into, with weights."""
        return dict(self.mapping(target)[self.record(code).code].targets)

    def mapping(self, target: int | None = None) -> dict[str, CodeMapping]:
        """How every code maps into the structure of year ``target`` (default: newest)."""
        target = self.end_year if target is None else int(target)
        if target not in self._mappings:
            self._mappings[target] = self._build_mapping(target)
        return self._mappings[target]

    @cached_property
    def _mappings(self) -> dict[int, dict[str, CodeMapping]]:
        return {}

    def _build_mapping(self, target: int) -> dict[str, CodeMapping]:
        if not self.first_year <= target <= self.end_year:
            raise UsageError(f"target structure {target} is outside the history "
                             f"({self.first_year}–{self.end_year})")
        weights: dict[str, dict[str, float]] = {}
        for code in self.records:
            self._weights_to(code, target, weights)
        sources: dict[str, list[str]] = defaultdict(list)
        for code, ws in weights.items():
            for t in ws:
                sources[t].append(code)
        return {code: CodeMapping(code, ws, self._method(code, ws, sources),
                                  self.basis(code) if len(ws) > 1 else "")
                for code, ws in weights.items()}

    def _weights_to(self, code: str, target: int, memo: dict) -> dict[str, float]:
        if code in memo:
            return memo[code]
        memo[code] = {}  # guards against a cycle in malformed change lists
        record, group = self.records[code], self.groups.get(code, "")
        if not self.is_municipal(code):
            out = {}
        elif record.valid_in(target):
            out = {code: 1.0}
        elif target == self.end_year and group in self.records and self.valid_in(group, target):
            out = {group: 1.0}
        else:
            out = defaultdict(float)
            for new in self.successors.get(code, ()):
                if new in self.records:
                    for t, w in self._weights_to(new, target, memo).items():
                        out[t] += self.share(code, new) * w
            out = {t: w for t, w in out.items() if w > 0}
        memo[code] = out
        return out

    def _method(self, code: str, ws: Mapping[str, float], sources: Mapping[str, list[str]]) -> str:
        if not ws:
            return "unmapped"
        if len(ws) > 1:
            return "split"
        (t,) = ws
        if t == code:
            return "identity"
        record = self.records[code]
        overlapping = [s for s in sources[t] if s != code and _overlap(record, self.records[s])]
        return "merge" if overlapping else "recode"

    def covered_by(self, code: str) -> tuple[str, ...]:
        """The codes whose population a Statbank ``K-<code>`` group sums.

        For a code of the newest structure that is its ``agg_KommSummer`` group; for an
        older code (``K-3024`` from the 2020 grouping) the code and the codes that
        merged into it wholly.
        """
        if self.valid_in(code, self.end_year):
            return tuple(sorted({code} | {c for c, g in self.groups.items() if g == code}))
        found, todo = {code}, [code]
        while todo:
            current = todo.pop()
            for old in self.predecessors.get(current, ()):
                if old not in found and self.successors[old] == (current,):
                    found.add(old)
                    todo.append(old)
        return tuple(sorted(found))

    def rest_targets(self, target: int | None = None) -> dict[str, float]:
        """Where Statbank's ``K-Rest`` (split municipalities) went, population-weighted.

        Uses the reference population of the ``Rest`` members valid in their last
        common year; empty if the history has no population.
        """
        members = [c for c, g in self.groups.items() if g == REST and self.is_municipal(c)]
        last = max((self.records[c].valid_to or 0) for c in members) if members else 0
        out: dict[str, float] = defaultdict(float)
        total = sum(self.reference.get(c, 0.0) for c in members if self.valid_in(c, last))
        if total <= 0:
            return {}
        for code in members:
            if self.valid_in(code, last) and self.reference.get(code, 0.0) > 0:
                for t, w in self.targets(code, target).items():
                    out[t] += w * self.reference[code] / total
        return dict(out)

    # -- split shares from population ---------------------------------------------------------
    def split_years(self) -> list[int]:
        """The years whose population :meth:`with_population` needs: the last year of each
        split code and the first year of its successors."""
        return sorted({y for code, nexts in self.successors.items()
                       if len(nexts) > 1 and self.records[code].valid_to is not None
                       for y in (self.records[code].valid_to, self.records[code].valid_to + 1)})

    def with_population(self, population: Cube, label: str = "") -> "RegionHistory":
        """A copy whose split shares are estimated from ``population``.

        ``population`` has a ``region`` axis (historical or ``K-`` codes) and a ``year``
        axis; other axes are summed. For a split code ending in year ``Y-1`` the share
        going to successor ``A`` is what ``A`` had on 1 January ``Y`` beyond the whole
        municipalities that merged into it, solved jointly (bounded least squares) for
        all splits of that year. The codes' populations are kept as reference weights.
        """
        totals = _region_year_totals(population)
        shares, basis = dict(self.shares), dict(self.share_basis)
        by_year: dict[int, list[str]] = defaultdict(list)
        for code, nexts in self.successors.items():
            if len(nexts) > 1 and self.records[code].valid_to is not None:
                by_year[self.records[code].valid_to + 1].append(code)
        for year, splits in by_year.items():
            solved = self._solve_splits(year, sorted(splits), totals)
            for code, dist in solved.items():
                shares[code] = dist
                basis[code] = f"population 1.1.{year - 1} → 1.1.{year}{label}"
        latest: dict[str, int] = {}
        for code, year in totals:
            latest[code] = max(year, latest.get(code, year))
        reference = dict(self.reference)
        for code, record in self.records.items():  # population in the code's last year
            year = record.valid_to if record.valid_to is not None else latest.get(code)
            if (code, year) in totals:
                reference[code] = totals[code, year]
        return RegionHistory(self.records, self.groups, self.successors, self.counties, self.source,
                             shares, basis, reference)

    def _solve_splits(self, year: int, splits: list[str], totals: Mapping) -> dict[str, dict[str, float]]:
        pairs = [(s, a) for s in splits for a in self.successors[s]]
        receivers = sorted({a for _, a in pairs})
        if any((s, year - 1) not in totals for s in splits) or any((a, year) not in totals for a in receivers):
            return {}
        rows, rhs = [], []
        for a in receivers:
            whole = [w for w in self.predecessors.get(a, ()) if self.successors[w] == (a,)
                     and self.valid_in(w, year - 1)]
            if self.valid_in(a, year - 1):
                whole.append(a)
            rows.append([totals[s, year - 1] if b == a else 0.0 for s, b in pairs])
            rhs.append(totals[a, year] - sum(totals.get((w, year - 1), 0.0) for w in whole))
        for s in splits:  # each split code's shares sum to one (weighted to dominate)
            rows.append([10.0 * totals[s, year - 1] if t == s else 0.0 for t, _ in pairs])
            rhs.append(10.0 * totals[s, year - 1])
        x = lsq_linear(np.array(rows), np.array(rhs), bounds=(0.0, 1.0)).x
        out: dict[str, dict[str, float]] = defaultdict(dict)
        for (s, a), value in zip(pairs, x):
            out[s][a] = value
        return {s: _normalised(d) for s, d in out.items()}

    # -- counties -----------------------------------------------------------------------------
    def county_of(self, code: str) -> CodeRecord:
        """The county a municipality code belonged to while it was valid (``0219`` → 02)."""
        code = _strip_k(code)
        county = code[:2]
        if county not in self.counties:
            raise UsageError(f"code {code} belongs to no known county ({county})")
        return self.counties[county]

    def resolve_county(self, text: str) -> County:
        """A county by code (old codes too: ``02`` Akershus) or name, with today's counties."""
        text = str(text).strip()
        match = _COUNTY.match(text)
        if match and match.group(1) in self.counties:
            record = self.counties[match.group(1)]
        else:
            named = [r for r in self.counties.values()
                     if fold(text) in (fold(r.name), fold(r.name.split(" - ")[0]))]
            current = [r for r in named if r.valid_to is None]
            if not named:
                choices = {f"{r.code} {r.name}": fold(r.name) for r in self.counties.values()}
                close = difflib.get_close_matches(fold(text), list(choices.values()) + list(self.counties), 4, 0.5)
                shown = [k for k, v in choices.items() if v in close or k[:2] in close]
                hint = f" (close matches: {', '.join(shown)})" if shown else ""
                raise UsageError(f"unknown county {text!r}{hint}")
            record = (current or sorted(named, key=lambda r: r.valid_to or 9999))[-1]
        return County(record.code, record.name, record.valid_from, record.valid_to,
                      tuple(sorted({t[:2] for t in self.county_municipalities(record.code)})))

    def county_municipalities(self, county: str, year: int | None = None) -> list[str]:
        """Municipalities (of structure ``year``, default newest) covering ``county``'s area.

        For a county of that structure its municipalities; for an older county (02
        Akershus) the municipalities its municipalities became.
        """
        year = self.end_year if year is None else year
        county = str(county).strip()
        if county in self.counties and self.counties[county].valid_in(year):
            return [c for c in self.municipalities(year) if c[:2] == county]
        found = set()
        for code, record in self.records.items():
            if code[:2] == county and self.is_municipal(code):
                found.update(self.targets(code, year))
        return sorted(found)

    def aggregation(self, codes: Sequence[str], level: str = "county") -> tuple[np.ndarray, list[str]]:
        """0/1 matrix summing municipalities ``codes`` into counties (or the nation).

        Returns ``(matrix, to_codes)`` for :meth:`Cube.map_axis`: exact sums, every
        municipality in exactly one county.
        """
        if level == "nation":
            return np.ones((len(codes), 1)), [NATIONAL]
        if level != "county":
            raise UsageError(f"unknown aggregation level {level!r} (county or nation)")
        counties = sorted({_strip_k(c)[:2] for c in codes})
        matrix = np.zeros((len(codes), len(counties)))
        for i, code in enumerate(codes):
            matrix[i, counties.index(_strip_k(code)[:2])] = 1.0
        return matrix, counties

    # -- lookups --------------------------------------------------------------------------------
    @cached_property
    def _names(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for code, record in self.records.items():
            for key in _name_keys(record.name):
                if code not in index[key]:
                    index[key].append(code)
        return index

    def resolve(self, text: str, target: int | None = None) -> Municipality:
        """A code (``3024``, ``K-3024``, ``0219``) or a name (``Bærum``, ``baerum``) → its record.

        A name picks the municipality in use in ``target`` (default newest), else the
        latest code that carried it; an unknown or ambiguous text is a :class:`UsageError`.
        """
        text = str(text).strip()
        match = _CODE.match(text)
        if match:
            code = match.group(1).lower().zfill(4 + match.group(1)[-1].isalpha())
        else:
            code = self._code_for_name(text, self.end_year if target is None else target)
        return self.describe(code, target)

    def code_for_name(self, name: str, year: int) -> str:
        """The code named ``name`` in ``year``: a municipality, else a county, else ``0``
        for the whole country. Without an exact match in ``year`` the code of that name
        nearest in time is taken (projection files label regions by name)."""
        key = fold(name)
        if key in (fold(NATIONAL_NAME), "norge", "landet", "norway"):
            return NATIONAL
        if self._names.get(key):
            return self._code_for_name(name, year)
        counties = [r for r in self.counties.values() if key in _name_keys(r.name)]
        if counties:
            return min(counties, key=lambda r: _distance(r, year)).code
        return self._code_for_name(name, year)

    def _code_for_name(self, text: str, year: int) -> str:
        codes = self._names.get(fold(text), [])
        if not codes:
            raise UsageError(f"unknown municipality {text!r}{self._suggest(text)}")
        in_year = [c for c in codes if self.valid_in(c, year) and self.is_municipal(c)]
        if len(in_year) > 1:
            shown = ", ".join(f"{c} {self.records[c].name}" for c in in_year)
            raise UsageError(f"municipality name {text!r} is ambiguous in {year}: {shown}; give the code")
        if in_year:
            return in_year[0]
        return min(codes, key=lambda c: (_distance(self.records[c], year), c))

    def _suggest(self, text: str) -> str:
        key = fold(text)
        keys = list(self._names) + list(self.records)
        close = difflib.get_close_matches(key, keys, n=5, cutoff=0.6)
        shown: list[str] = []
        for hit in close:
            for code in (self._names.get(hit) or [hit]):
                if code in self.records:
                    item = f"{code} {self.records[code].name}"
                    if item not in shown:
                        shown.append(item)
        return f" (close matches: {', '.join(shown[:5])})" if shown else " (no close matches)"

    def describe(self, code: str, target: int | None = None) -> Municipality:
        """The full record of ``code``: validity, county, chain, successors in ``target``."""
        record = self.record(code)
        target = self.end_year if target is None else int(target)
        county = self.counties.get(code[:2])
        ws = self.targets(code, target)
        return Municipality(
            code=code, name=record.name, valid_from=record.valid_from, valid_to=record.valid_to,
            county=code[:2], county_name=county.name if county else "", target=target,
            successors=tuple((t, self.records[t].name, float(w)) for t, w in sorted(ws.items())),
            chain=tuple(self._entry(c) for c in self.chain(code)),
            formerly=tuple(self._entry(c) for c in self.formerly(code)),
            municipal=self.is_municipal(code))

    def _entry(self, code: str) -> tuple[str, str, int | None, int | None]:
        r = self.records[code]
        return (code, r.name, r.valid_from, r.valid_to)

    def formerly(self, code: str) -> list[str]:
        """Codes that went (wholly or in part) into ``code``, oldest first.

        For a code of the newest structure these are its ``agg_KommSummer`` group and
        the codes split into it; for an older code its step-by-step predecessors.
        """
        found = set()
        if self.valid_in(code, self.end_year):
            found = {c for c, m in self.mapping().items() if code in m.targets and c != code}
        todo = list(self.predecessors.get(code, ()))
        while todo:
            old = todo.pop()
            if old not in found:
                found.add(old)
                todo.extend(self.predecessors.get(old, ()))
        return sorted(found, key=lambda c: (self.records[c].valid_to or 9999, c))

    def chain(self, code: str) -> list[str]:
        """The line of codes ``code`` belongs to: back through the predecessor of the same
        name (or the only one), forward while there is one successor."""
        line = [code]
        while True:
            olds = self.predecessors.get(line[0], ())
            head = self.records[line[0]]
            same = [o for o in olds if fold(self.records[o].name) == fold(head.name)]
            renamed = [o for o in olds if len(olds) == 1 and head.valid_from is not None
                       and self.records[o].valid_to == head.valid_from - 1]
            pick = same or renamed
            if not pick or pick[0] in line:
                break
            line.insert(0, pick[0])
        goal = self.targets(code)
        while len(self.successors.get(line[-1], ())) == 1:
            step = self.successors[line[-1]][0]
            if step in line or step not in self.records or self.targets(step) != goal:
                break
            line.append(step)
        if len(goal) == 1 and next(iter(goal)) not in line:
            line.append(next(iter(goal)))
        return line


def _overlap(a: CodeRecord, b: CodeRecord) -> bool:
    lo = max(a.valid_from if a.valid_from is not None else -10**6, b.valid_from if b.valid_from is not None else -10**6)
    hi = min(a.valid_to if a.valid_to is not None else 10**6, b.valid_to if b.valid_to is not None else 10**6)
    return lo <= hi


def _distance(record: CodeRecord, year: int) -> int:
    if record.valid_in(year):
        return 0
    if record.valid_to is not None and record.valid_to < year:
        return year - record.valid_to
    return (record.valid_from or year) - year


def _name_keys(name: str) -> set[str]:
    """Keys a name is found by: whole, each part of a multilingual name, without a
    disambiguating ``(Østfold)``."""
    base = re.sub(r"\s*\([^)]*\)\s*$", "", name)
    keys = {fold(name), fold(base)}
    keys.update(fold(part) for part in base.split(" - ") if part.strip())
    return {k for k in keys if k}


def _strip_k(code: str) -> str:
    return code[2:] if code.upper().startswith("K-") else code


def _normalised(dist: Mapping[str, float]) -> dict[str, float]:
    total = sum(dist.values())
    if total <= 0:
        return {k: 1.0 / len(dist) for k in dist}
    return {k: v / total for k, v in dist.items()}


def _region_year_totals(population: Cube) -> dict[tuple[str, int], float]:
    """Population per (code, year) with every other axis summed; ``K-`` prefixes dropped."""
    cube = population
    for dim in [d for d in cube.dims if d not in ("region", "year")]:
        cube = cube.sum(dim, skipna=True)
    cube = cube.transpose("region", "year")
    out = {}
    for i, code in enumerate(cube.codes["region"]):
        for j, year in enumerate(cube.codes["year"]):
            value = cube.values[i, j]
            if not np.isnan(value) and year.isdigit():
                out[_strip_k(code), int(year)] = float(value)
    return out


def build_history(members: Iterable[AggMember], records: Iterable[CodeRecord] = (),
                  changes: Iterable[CodeChange] = (), counties: Iterable[CodeRecord] = COUNTY_TABLE,
                  source: str = "") -> RegionHistory:
    """The code history from the grouping, code records and code changes.

    Names and validity come from the grouping's labels where they say so, else from
    ``records`` (KLASS or FHI's table); a code still in use that no record knows is
    dated from the newest reform. Successors come from ``changes``; an ended code
    without one gets the code of its group that started the year after (else the
    group's own code).
    """
    members = list(members)
    labelled = {r.code: r for r in records_from_agg(members)}
    known = {r.code: r for r in records}
    groups = {m.code: m.group for m in members}
    merged = {code: _merge(labelled.get(code), known.get(code))
              for code in list(labelled) + [c for c in known if c not in labelled]}
    ended = [r.valid_to for r in merged.values() if r.valid_to is not None]
    if known and ended:  # a code in use that no record knows came with the newest reform
        newest = 1 + max(ended)
        merged = {c: (CodeRecord(c, r.name, newest, None) if c not in known and groups.get(c) == c
                      and r.valid_from is None and r.valid_to is None else r)
                  for c, r in merged.items()}
    successors: dict[str, list[str]] = defaultdict(list)
    for change in changes:  # renames (same code) and border adjustments (code lives on) are not successions
        old = merged.get(change.old)
        if old is not None and old.valid_to is not None and change.new != change.old \
                and change.new not in successors[change.old]:
            successors[change.old].append(change.new)
    for code, record in merged.items():
        if record.valid_to is not None and not successors.get(code):
            successors[code] = _group_successor(code, record.valid_to + 1, groups, merged)
    return RegionHistory(merged, groups, {c: tuple(sorted(s)) for c, s in successors.items() if s},
                         {r.code: r for r in counties}, source)


def _merge(label: CodeRecord | None, known: CodeRecord | None) -> CodeRecord:
    """SSB's label wins where it says something; a start it leaves open comes from the record."""
    if label is None or not label.name:
        return known or label
    if known is None:
        return label
    first = label.valid_from if label.valid_from is not None else known.valid_from
    return CodeRecord(label.code, label.name, first, label.valid_to)


def _group_successor(code: str, year: int, groups: Mapping[str, str],
                     records: Mapping[str, CodeRecord]) -> list[str]:
    group = groups.get(code)
    if group is None or group == REST or group not in records:
        return []
    valid = [c for c, g in groups.items() if g == group and c != code and records[c].valid_in(year)]
    starting = [c for c in valid if records[c].valid_from == year]
    return starting or ([group] if group in valid or not valid else valid)
