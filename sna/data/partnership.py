"""``sna init``: a commented ``sna.toml`` for any Community Safety Partnership, from ONS lookups.

A partnership is named as a Community Safety Partnership (CSP), a district (local authority), a
county or a police force area, by name or ONS code. :func:`find_partnership` resolves it to whole
districts through the ONS lookups shipped in the raw folder, :func:`config_text` writes the config
and :func:`write_config` saves it without overwriting an existing one.

The districts written are those ``sna prepare`` can place with the shipped lookups (the LSOA (2011)
to LAD (2019) lookup and the Census 2021 LSOA names): a district formed after 2019 whose name the
2021 LSOA names carry (Buckinghamshire, North and West Northamptonshire) is written as it is; one
formed in 2023 (Cumberland, Westmorland and Furness, North Yorkshire, Somerset), whose 2021 LSOAs
still carry the former districts' names, is written as its former districts, with a comment.
"""

from __future__ import annotations

import difflib
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sna.data.areas import district_name_from_lsoa_name
from sna.data.config import District
from sna.data.files import atomic_write_text
from sna.errors import InputError, SnaError

__all__ = [
    "FIRST_YEAR",
    "KINDS",
    "LAST_YEAR",
    "Lookups",
    "Partnership",
    "check_output",
    "check_reporting_years",
    "config_text",
    "find_partnership",
    "read_lookups",
    "write_config",
]

# The repository's raw folder: the default when no raw folder is given.
DEFAULT_RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
LAD_CSP_PFA = "lookups/lad24_csp24_pfa24.csv"
LAD_COUNTY = "lookups/LAD20_CTY20_lookup_England_Apr2020.csv"
LSOA11_LOOKUP = "lookups/LSOA11_WD19_LAD19_lookup_EW_Dec2019.csv.gz"
LSOA11_TO_21 = (
    "lookups/LSOA_(2011)_to_LSOA_(2021)_to_Local_Authority_District_(2022)_Lookup_for_"
    "England_and_Wales.csv.gz"
)
LSOA21_NAMES = "population/census2021_usual_residents_lsoa21_by_age6.csv.gz"
WARDS = "lookups/lsoa21_ward24_lad24.csv.gz"
BOUNDARIES = "geography/lsoa21_boundaries_thames_valley.geojson.gz"
HARM = "harm/harm_bands.csv"
IOD_SUMMARIES = "peers/imd2025_lad24_summaries.csv"
RURAL_URBAN = "peers/ruc21_lsoa21.csv.gz"

KINDS = ("Community Safety Partnership", "district", "county", "police force area")
CSP, DISTRICT, COUNTY, FORCE = KINDS
# Words that may end a query to say which kind of area is meant ("Kent police", "Kent county").
_QUALIFIERS = {
    "community safety partnership": CSP,
    "partnership": CSP,
    "csp": CSP,
    "district council": DISTRICT,
    "borough council": DISTRICT,
    "city council": DISTRICT,
    "council": DISTRICT,
    "district": DISTRICT,
    "county council": COUNTY,
    "county": COUNTY,
    "police force area": FORCE,
    "force area": FORCE,
    "constabulary": FORCE,
    "police service": FORCE,
    "police": FORCE,
    "force": FORCE,
    "pfa": FORCE,
}
# Other names of an area, which choose it as its ONS name does: police.uk's force names that are
# not the ONS name followed by a qualifier ("Kent Police", "Thames Valley Police" need none).
_ALIASES = {
    (FORCE, "Metropolitan Police"): ("Metropolitan Police Service", "Met"),
    (FORCE, "Hampshire"): ("Hampshire and Isle of Wight",),
}
# Words under which an area is suggested but never chosen: "London" lists the Metropolitan
# Police (Greater London but the City) beside the City of London.
_SUGGESTED_AS = {(FORCE, "Metropolitan Police"): ("London", "Greater London")}
# Short forms of county names, for the closest matches ("Bucks": Buckinghamshire).
_SHORT_FORMS = {
    "beds": "bedfordshire",
    "berks": "berkshire",
    "bucks": "buckinghamshire",
    "cambs": "cambridgeshire",
    "derbys": "derbyshire",
    "glos": "gloucestershire",
    "hants": "hampshire",
    "herts": "hertfordshire",
    "lancs": "lancashire",
    "leics": "leicestershire",
    "lincs": "lincolnshire",
    "northants": "northamptonshire",
    "notts": "nottinghamshire",
    "oxon": "oxfordshire",
    "shrops": "shropshire",
    "staffs": "staffordshire",
    "warks": "warwickshire",
    "wilts": "wiltshire",
    "worcs": "worcestershire",
    "yorks": "yorkshire",
}
# Reporting years a config may name: the range sna.data.config.load_config accepts.
FIRST_YEAR, LAST_YEAR = 2010, 2100
_CODE = re.compile(r"^[a-z]\d{8}$")  # an ONS code, once normalised
_SHOWN = 5  # names listed at most as closest matches or as the meanings of an ambiguous name


@dataclass(frozen=True)
class Lookups:
    """The ONS lookups ``sna init`` reads, from a raw folder (see :func:`read_lookups`)."""

    raw_dir: Path
    lad_csp_pfa: pd.DataFrame  # ltla24_code, ltla24_name, csp24_*, pfa24_*
    lad_county: pd.DataFrame  # LAD20CD, LAD20NM, CTY20CD, CTY20NM
    lad19: dict[str, str]  # LAD19 code -> name, the districts of the LSOA (2011) lookup
    lsoa21_districts: frozenset[str]  # district names the 2021 LSOA names start with


@dataclass(frozen=True)
class Partnership:
    """A partnership resolved to the whole districts ``sna prepare`` can place.

    Attributes
    ----------
    name, code, kind
        What the query matched: its ONS name and code, and one of :data:`KINDS`.
    districts
        The districts to assess, with ONS codes and names the shipped lookups know.
    force
        The police force area(s) the districts are in.
    benchmark_name, benchmark_codes
        The default benchmark; ``benchmark_codes`` empty means all of ``districts``.
    force_districts
        The force area's districts usable as a benchmark (for the commented alternative).
    notes
        Sentences for the config's comments: districts replaced or left out, and why.
    former_districts
        Whether districts or the benchmark include districts abolished in 2023, which the
        mid-2022 estimates (on 2023 districts) do not have.
    """

    name: str
    code: str
    kind: str
    districts: tuple[District, ...]
    force: str
    benchmark_name: str
    benchmark_codes: tuple[str, ...]
    force_districts: tuple[District, ...]
    notes: tuple[str, ...]
    former_districts: bool = False


@dataclass(frozen=True)
class _Candidate:
    kind: str
    code: str
    name: str
    lads: frozenset[str]  # 2024 district codes


def read_lookups(raw_dir: str | Path | None = None) -> Lookups:
    """Read the ONS lookups from a raw folder (default: the repository's ``data/raw``).

    Parameters
    ----------
    raw_dir
        The folder holding ``lookups/lad24_csp24_pfa24.csv``,
        ``lookups/LAD20_CTY20_lookup_England_Apr2020.csv``, the LSOA (2011) lookup
        ``lookups/LSOA11_WD19_LAD19_lookup_EW_Dec2019.csv.gz`` and the Census 2021 LSOA file
        ``population/census2021_usual_residents_lsoa21_by_age6.csv.gz``.

    Raises
    ------
    InputError
        If a file is missing or lacks its columns.
    """
    raw = Path(raw_dir) if raw_dir is not None else DEFAULT_RAW
    lad = _read(raw / LAD_CSP_PFA, ["ltla24_code", "ltla24_name", "csp24_code", "csp24_name"])
    lad = _read(raw / LAD_CSP_PFA, [*lad.columns[:4], "pfa24_code", "pfa24_name"])
    county = _read(raw / LAD_COUNTY, ["LAD20CD", "LAD20NM", "CTY20CD", "CTY20NM"])
    l11 = _read(raw / LSOA11_LOOKUP, ["LAD19CD", "LAD19NM"]).drop_duplicates("LAD19CD")
    l21 = _read(raw / LSOA21_NAMES, ["lsoa21_name"])
    return Lookups(
        raw_dir=raw,
        lad_csp_pfa=lad,
        lad_county=county,
        lad19=dict(zip(l11["LAD19CD"], l11["LAD19NM"], strict=True)),
        lsoa21_districts=frozenset(district_name_from_lsoa_name(l21["lsoa21_name"])),
    )


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "ONS lookup not found", hint="copy it from the demo's data/raw")
    try:
        return pd.read_csv(path, usecols=columns, dtype=str, encoding="utf-8-sig")
    except ValueError as exc:
        raise InputError(path, f"not the expected ONS lookup: {exc}") from None


def find_partnership(
    query: str, lookups: Lookups | None = None, *, kind: str | None = None
) -> Partnership:
    """The partnership a name or ONS code means, as whole districts.

    Parameters
    ----------
    query
        A CSP, district, county or police force area name or code, in any case: ``"Reading"``,
        ``"E06000038"``, ``"oxfordshire"``, ``"Thames Valley Police"``. A trailing word can say
        which kind is meant: ``"Kent county"``, ``"Kent police"``, ``"Dorset district"``.
    lookups
        From :func:`read_lookups` (default: the repository's raw folder).
    kind
        One of :data:`KINDS`, to choose among areas sharing a name.

    Returns
    -------
    Partnership

    Raises
    ------
    SnaError
        If nothing matches (the message lists the closest names), or the name means areas of
        different kinds with different districts (say which, by a trailing word or the code).

    Notes
    -----
    A name that is both a CSP and a district with other members (``"Dorset"``: the CSP is
    Bournemouth, Christchurch and Poole with Dorset) means the CSP. A CSP that is part of a
    district (Aylesbury Vale, in Buckinghamshire) gives the whole district: sna assesses whole
    districts.

    Examples
    --------
    >>> p = find_partnership("oxfordshire")  # doctest: +SKIP
    >>> [d.name for d in p.districts]  # doctest: +SKIP
    ['Cherwell', 'Oxford', 'South Oxfordshire', 'Vale of White Horse', 'West Oxfordshire']
    """
    lk = lookups if lookups is not None else read_lookups()
    if kind is not None and kind not in KINDS:
        raise SnaError(f"unknown kind of area {kind!r}; known: {', '.join(KINDS)}")
    index = _index(lk)
    key = _norm(query)
    if not key:
        raise SnaError(f"{query!r} names no area: give a name or an ONS code")
    found = index.get(key, [])
    base, qualified = key, kind
    if not found and kind is None:
        base, qualified = _split_qualifier(key)
        found = [c for c in index.get(base, []) if c.kind == qualified] if qualified else []
    if kind is not None:
        found = [c for c in found if c.kind == kind]
    found = list(dict.fromkeys(found))
    if not found:
        raise SnaError(_unknown(query, base, index, qualified))
    chosen, notes = _choose(query, found)
    return _resolve(chosen, lk, notes)


def _norm(text: str) -> str:
    """A name as looked up: any case, ``&`` as ``and``, no dots, commas or apostrophes.

    Examples
    --------
    >>> _norm("  King’s Lynn & West-Norfolk, ")
    'kings lynn and west norfolk'
    """
    text = text.casefold().replace("&", " and ").replace(".", "").replace(",", " ")
    text = text.replace("'", "").replace("\N{RIGHT SINGLE QUOTATION MARK}", "")
    return " ".join(text.replace("-", " ").split())


def _split_qualifier(key: str) -> tuple[str, str | None]:
    """A normalised query without its trailing qualifier, and the kind that names.

    Examples
    --------
    >>> _split_qualifier("kent police")
    ('kent', 'police force area')
    >>> _split_qualifier("reading")
    ('reading', None)
    """
    for words, qualified in _QUALIFIERS.items():
        if key.endswith(" " + words):
            return key[: -len(words) - 1], qualified
    return key, None


def _has_words(label: str, words: str) -> bool:
    """Whether ``words`` are whole words of ``label`` (both normalised).

    Examples
    --------
    >>> _has_words("newcastle under lyme", "newcastle"), _has_words("newcastle", "new")
    (True, False)
    """
    return f" {words} " in f" {label} "


def _candidates(lk: Lookups) -> list[_Candidate]:
    """Every CSP, district, police force area and county of the lookups, with its districts."""
    lad = lk.lad_csp_pfa
    out = []
    for kind, code, name in (
        (CSP, "csp24_code", "csp24_name"),
        (DISTRICT, "ltla24_code", "ltla24_name"),
        (FORCE, "pfa24_code", "pfa24_name"),
    ):
        for (c, n), rows in lad.groupby([code, name], sort=False):
            out.append(_Candidate(kind, str(c), str(n), frozenset(rows["ltla24_code"])))
    successor = {old: new for new, olds in _predecessors(lk).items() for old in olds}
    for (c, n), rows in lk.lad_county.groupby(["CTY20CD", "CTY20NM"], sort=False):
        lads = frozenset(successor.get(code, code) for code in rows["LAD20CD"])
        out.append(_Candidate(COUNTY, str(c), str(n), lads))
    return out


def _names_of(cand: _Candidate, others: Iterable[str]) -> list[str]:
    """The names that choose an area: ONS name and code, and the forms of a name with a comma.

    ``"Bristol, City of"`` is also ``"City of Bristol"`` and ``"Bristol"``; ``"London, City of"``
    is also ``"City of London"`` but not ``"London"``, a word of other names (``others``, the
    normalised names of the other areas): "Inner London", "Outer London".

    Examples
    --------
    >>> c = _Candidate(FORCE, "E23000034", "London, City of", frozenset({"E09000001"}))
    >>> _names_of(c, ["inner london", "city of london"])
    ['London, City of', 'E23000034', 'City of London']
    """
    names = [cand.name, cand.code, *_ALIASES.get((cand.kind, cand.name), ())]
    head, comma, tail = cand.name.partition(",")
    if comma and _norm(tail).startswith(("city of", "county of")):
        names.append(f"{tail.strip()} {head}")
    if comma and not any(_has_words(other, _norm(head)) for other in others):
        names.append(head)
    return names


def _index(lk: Lookups) -> dict[str, list[_Candidate]]:
    """The areas each normalised name or code chooses."""
    cands = _candidates(lk)
    every = {_norm(c.name) for c in cands}
    out: dict[str, list[_Candidate]] = {}
    for cand in cands:
        others = every - {_norm(cand.name)}
        for name in dict.fromkeys(_norm(n) for n in _names_of(cand, others)):
            out.setdefault(name, []).append(cand)
    return out


def _predecessors(lk: Lookups) -> dict[str, tuple[str, ...]]:
    """2019 district codes of each 2024 district the LSOA (2011) lookup does not know.

    Found by name: the district's CSPs are named after its former districts (Cumberland:
    Allerdale, Carlisle, Copeland; "Daventry and South Northamptonshire"), or the district is a
    former county (North Yorkshire, Somerset) whose districts the county lookup lists.
    """
    code_of = {_norm(n): c for c, n in lk.lad19.items()}
    lad = lk.lad_csp_pfa
    out: dict[str, tuple[str, ...]] = {}
    for code, rows in lad[~lad["ltla24_code"].isin(list(lk.lad19))].groupby("ltla24_code"):
        names = set()
        for csp in rows["csp24_name"]:
            names |= {csp, *re.split(r",? and ", csp)}
        county = lk.lad_county[lk.lad_county["CTY20NM"].isin(rows["ltla24_name"])]
        found = {code_of[_norm(n)] for n in names if _norm(n) in code_of}
        found |= {c for c in county["LAD20CD"] if c in lk.lad19}
        out[str(code)] = tuple(sorted(found))
    return out


def _unknown(query: str, key: str, index: dict[str, list[_Candidate]], kind: str | None) -> str:
    """Why no area is called ``query`` (normalised: ``key``): the areas it may mean, or the closest.

    A name that is a whole word of several areas' names is ambiguous ("Newcastle": Newcastle
    upon Tyne, Newcastle-under-Lyme): the message says the words that choose each.
    """
    what = f"{kind} " if kind else "Community Safety Partnership, district, county or force "
    if _CODE.match(key):
        return _unknown_code(query, key, index, kind, what)
    labels = _labels(index, kind)
    variants = _variants(key)
    meanings = _meanings(key, labels)
    if len(meanings) > 1:
        choices = [
            f"{_choice(group, index)} ({_codes(group)}: {_count(group)})" for group in meanings
        ]
        shown = choices[:_SHOWN]
        more = len(choices) - len(shown)
        listed = ", ".join(shown[:-1]) + " or " + shown[-1] if not more else ", ".join(shown)
        if more:
            listed += f" and {more} more (give more of the name, or the code)"
        return f"{query!r} is ambiguous: it is part of several names; say which: {listed}"
    message = f"no {what}called {query!r} in the ONS lookups"
    close = _closest(variants, labels)
    if close:
        message += "; closest: " + "; ".join(f"{n} ({_codes(g)})" for n, g in close.items())
    return message


def _unknown_code(
    query: str, key: str, index: dict[str, list[_Candidate]], kind: str | None, what: str
) -> str:
    """No area has the ONS code ``key``: the codes of each kind, and the nearest codes."""
    codes = [(k, c) for k, cands in index.items() if _CODE.match(k) for c in cands]
    codes = [(k, c) for k, c in codes if kind in (None, c.kind)]
    starts: dict[str, set[str]] = {}
    for k, c in codes:
        starts.setdefault(c.kind, set()).add(k[:3].upper())
    kinds = "; ".join(f"{k} {', '.join(sorted(starts[k]))}" for k in KINDS if k in starts)

    def distance(code: str) -> tuple[bool, int, int]:
        return (
            code[0] != key[0],
            abs(int(code[1:3]) - int(key[1:3])),
            abs(int(code[1:]) - int(key[1:])),
        )

    near = sorted(codes, key=lambda kc: (distance(kc[0]), kc[0]))[:_SHOWN]
    closest = "; ".join(f"{c.code} {c.name} ({_qualifier(c.kind)})" for _, c in near)
    return (
        f"no {what}has the ONS code {query!r} in the ONS lookups (their codes start: {kinds}); "
        f"closest: {closest}"
    )


def _labels(index: dict[str, list[_Candidate]], kind: str | None) -> list[tuple[str, _Candidate]]:
    """The names (normalised) under which each area of ``kind`` (or all) may be suggested."""
    out = [(k, c) for k, cands in index.items() if not _CODE.match(k) for c in cands]
    for (known, name), words in _SUGGESTED_AS.items():
        cands = [c for _, c in out if (c.kind, c.name) == (known, name)][:1]
        out += [(_norm(w), c) for w in words for c in cands]
    return [(k, c) for k, c in out if kind in (None, c.kind)]


def _variants(key: str) -> list[str]:
    """A normalised query, and the same with its short forms of county names spelled out.

    Examples
    --------
    >>> _variants("north yorks")
    ['north yorks', 'north yorkshire']
    """
    long = " ".join(_SHORT_FORMS.get(word, word) for word in key.split())
    return list(dict.fromkeys([key, long]))


def _rank(variants: Sequence[str], label: str) -> tuple[int, float]:
    """How well a name matches a query: a sort key, best first.

    The tier: 0 the name starts with the query (or one of its ``variants``), 1 it has it as
    whole words, 2 neither; then minus the similarity to the query (:mod:`difflib`'s ratio).

    Examples
    --------
    >>> _rank(["hull"], "kingston upon hull city of")[0], _rank(["hull"], "solihull")[0]
    (1, 2)
    >>> _rank(["bucks", "buckinghamshire"], "buckinghamshire")[0]
    0
    """
    tier = min(0 if label.startswith(v) else 1 if _has_words(label, v) else 2 for v in variants)
    return tier, -difflib.SequenceMatcher(None, variants[0], label).ratio()


def _meanings(key: str, labels: Sequence[tuple[str, _Candidate]]) -> list[list[_Candidate]]:
    """The areas that have the query as whole words of a name, grouped by their districts."""
    matched = [(_rank([key], k), c) for k, c in labels if _has_words(k, key)]
    groups: dict[frozenset[str], list[_Candidate]] = {}
    for _, c in sorted(matched, key=lambda rc: rc[0]):
        group = groups.setdefault(c.lads, [])
        if c not in group:
            group.append(c)
    return [sorted(g, key=lambda c: KINDS.index(c.kind)) for g in groups.values()]


_CUTOFF = 0.5  # similarity below which a name is listed only to show three


def _closest(
    variants: Sequence[str], labels: Sequence[tuple[str, _Candidate]]
) -> dict[str, list[_Candidate]]:
    """Up to :data:`_SHOWN` names nearest the query (see :func:`_rank`), at least three."""
    out: dict[str, list[_Candidate]] = {}
    for k, c in sorted(labels, key=lambda kc: (_rank(variants, kc[0]), kc[0])):
        tier, minus_ratio = _rank(variants, k)
        if c.name not in out:
            if len(out) >= _SHOWN or (tier == 2 and -minus_ratio < _CUTOFF and len(out) >= 3):
                continue
            out[c.name] = []
        if c not in out[c.name]:
            out[c.name].append(c)
    return out


def _display(name: str) -> str:
    """An ONS name as said: ``"London, City of"`` is ``"City of London"``."""
    head, comma, tail = name.partition(",")
    return f"{tail.strip()} {head}" if comma and _norm(tail).startswith("city of") else name


def _choice(group: Sequence[_Candidate], index: dict[str, list[_Candidate]]) -> str:
    """The words that choose a group of areas with the same districts, quoted."""
    first = group[0]
    names = dict.fromkeys([first.name.split(",")[0], _display(first.name)])
    for words in [*names, *(f"{n} {_qualifier(first.kind)}" for n in names)]:
        found = list(index.get(_norm(words), []))
        if not found:
            base, qualified = _split_qualifier(_norm(words))
            found = [c for c in index.get(base, []) if c.kind == qualified]
        try:
            if found and _choose(words, found)[0].lads == first.lads:
                return repr(words)
        except SnaError:
            continue
    return repr(first.code)


def _codes(group: Sequence[_Candidate]) -> str:
    return ", ".join(f"{_qualifier(c.kind)} {c.code}" for c in group)


def _count(group: Sequence[_Candidate]) -> str:
    n = len(group[0].lads)
    return f"{n} district{'s' if n != 1 else ''}"


def _describe(c: _Candidate) -> str:
    n = len(c.lads)
    return f"{c.name} ({c.kind} {c.code}, {n} district{'s' if n != 1 else ''})"


def _choose(query: str, found: list[_Candidate]) -> tuple[_Candidate, list[str]]:
    """The candidate a name means: the first kind of :data:`KINDS` if all agree or, CSP first."""
    found.sort(key=lambda c: KINDS.index(c.kind))
    chosen = found[0]
    differ = [c for c in found if c.lads != chosen.lads]
    if differ and (chosen.kind != CSP or any(c.kind != DISTRICT for c in differ)):
        hint = " or ".join(f"'{c.name} {_qualifier(c.kind)}' ({c.code})" for c in found)
        raise SnaError(
            f"{query!r} is ambiguous: "
            + "; ".join(_describe(c) for c in found)
            + f". Say which: {hint}"
        )
    notes = [
        f"{query!r} is also the {c.kind} {c.name} ({c.code}) with other districts; the "
        f"{chosen.kind} was chosen (give {c.code} for the {c.kind})"
        for c in differ
    ]
    return chosen, notes


def _qualifier(kind: str) -> str:
    return {CSP: "CSP", DISTRICT: "district", COUNTY: "county", FORCE: "police"}[kind]


def _resolve(chosen: _Candidate, lk: Lookups, notes: list[str]) -> Partnership:
    lad = lk.lad_csp_pfa
    names = dict(zip(lad["ltla24_code"], lad["ltla24_name"], strict=False))
    rows = lad[lad["ltla24_code"].isin(list(chosen.lads))]
    order = sorted(chosen.lads, key=lambda c: (names[c], c))
    if chosen.kind == CSP:
        shared = lad[lad["ltla24_code"].isin(order) & lad["csp24_code"].ne(chosen.code)]
        for code, others in shared.groupby("ltla24_code"):
            notes.append(
                f"The CSP {chosen.name} is part of the district {names[str(code)]} ({code}), "
                f"with the CSPs {', '.join(sorted(others['csp24_name']))}: sna assesses whole "
                "districts, so the whole district is written."
            )
    predecessors = _predecessors(lk)
    districts, _ = _usable(order, names, lk, predecessors, notes, assessed=True)
    force_codes = set(lad.loc[lad["pfa24_code"].isin(rows["pfa24_code"]), "ltla24_code"])
    force = " and ".join(sorted(set(rows["pfa24_name"])))
    assessed = {d.code for d in districts}
    force_notes: list[str] = []
    force_districts, left_out = _usable(
        sorted(force_codes, key=lambda c: (names[c], c)),
        names,
        lk,
        predecessors,
        force_notes,
        assessed=False,
        keep=assessed,
    )
    if len(districts) > 1:
        bench_name, bench_codes = chosen.name.split(",")[0], tuple[str, ...]()
        if any(bench_name.casefold() == d.name.split(",")[0].casefold() for d in districts):
            bench_name = f"{bench_name} {_qualifier(chosen.kind)} area"
    else:
        bench_name = f"{force} police force area"
        if left_out:
            bench_name = f"{force} police force area without {' and '.join(left_out)}"
        bench_codes = tuple(d.code for d in force_districts)
        notes += force_notes
    return Partnership(
        name=chosen.name,
        code=chosen.code,
        kind=chosen.kind,
        districts=tuple(districts),
        force=force,
        benchmark_name=bench_name,
        benchmark_codes=bench_codes,
        force_districts=tuple(force_districts),
        notes=tuple(notes),
        former_districts=bool(
            ({d.code for d in districts} | set(bench_codes))
            & {c for olds in predecessors.values() for c in olds}
        ),
    )


def _usable(
    codes: Iterable[str],
    names: dict[str, str],
    lk: Lookups,
    predecessors: dict[str, tuple[str, ...]],
    notes: list[str],
    *,
    assessed: bool,
    keep: Iterable[str] = (),
) -> tuple[list[District], list[str]]:
    """Districts as the shipped lookups know them, and the names of those left out."""
    keep = set(keep)
    out: list[District] = []
    left_out: list[str] = []
    for code in codes:
        name = names[code]
        former = ", ".join(lk.lad19[c] for c in predecessors.get(code, ()))
        if code in lk.lad19:
            out.append(District(code, lk.lad19[code]))
        elif name in lk.lsoa21_districts and (assessed or code in keep):
            out.append(District(code, name))
            if assessed:
                notes.append(
                    f"{name} ({code}) is newer than the 2019 LSOA (2011) lookup: records coded "
                    f"with 2011 LSOAs (police.uk files up to 2022) fall in its former districts "
                    f"({former or 'not found'}) and are not counted for it; records coded with "
                    "2021 LSOAs (from 2023) are."
                )
        elif name in lk.lsoa21_districts:
            left_out.append(name)
            notes.append(
                f"{name} ({code}) is left out of the police force area benchmark: it is newer "
                "than the 2019 LSOA (2011) lookup, and sna places its records only when it is "
                "one of the assessed districts."
            )
        elif former:
            out += [District(c, lk.lad19[c]) for c in predecessors[code]]
            notes.append(
                f"{name} ({code}) is not in the shipped ONS lookups (the 2021 LSOA names still "
                f"carry its former districts): it is written as its former districts {former}."
            )
        else:
            raise SnaError(
                f"{name} ({code}) is in no shipped ONS LSOA lookup and its former districts are "
                f"unknown; list its districts by hand (see {lk.raw_dir / LSOA11_LOOKUP})"
            )
    return list(dict.fromkeys(out)), left_out


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _comment(text: str, width: int = 98) -> list[str]:
    words, lines, line = text.split(), [], "#"
    for word in words:
        if len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "#"
        line += " " + word
    return [*lines, line]


_HEADER = """\
# Community safety Strategic Needs Assessment for {name} ({kind} {code}),
# police force area: {force}. Written by `sna init` from the ONS lookups (district 2024 to CSP
# to police force area; district 2020 to county); edit it freely.
# Paths are relative to this file; [sources] and population files are relative to paths.raw.
"""

_SETTINGS = """
name = {title}
area_name = {area}
reporting_years = [{years}]
suppression_threshold = 4          # counts 1-4 are suppressed in published tables
deprivation_domain = "Income"      # IoD domain related to crime (not "Crime": that is circular)

[paths]
raw = {raw}
processed = {processed}
reports = {reports}

# The districts assessed, one report each: ONS code, and name as the ONS spells it.
"""

_SOURCES = """
[crime_groups]
"Violence" = ["Violence and sexual offences", "Robbery", "Possession of weapons"]
"Neighbourhood crime" = ["Burglary", "Robbery", "Theft from the person", "Vehicle crime"]
"Acquisitive crime" = ["Burglary", "Robbery", "Vehicle crime", "Shoplifting", \
"Theft from the person", "Bicycle theft", "Other theft"]
"Criminal damage and public order" = ["Criminal damage and arson", "Public order"]
"Drugs and weapons" = ["Drugs", "Possession of weapons"]
"Anti-social behaviour" = ["Anti-social behaviour"]

[sources]
# Put the {force} street-level files from https://data.police.uk/data/ under police_uk.
police_uk = "police_uk"            # folder searched for YYYY-MM-<force>-street.csv[.gz]
lsoa11_lookup = "{lsoa11}"
lsoa21_names = "{lsoa21}"
lsoa11_population = "imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz"
imd = "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
iod_domains = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
# ONS exact-fit LSOA (2011) to LSOA (2021) lookup: LSOAs followed across the 2021 boundary change
lsoa_lookup_2011_2021 = "{lsoa11_21}"
# English Indices of Deprivation 2025 (2021 LSOAs), for years coded in 2021 LSOAs;
# IoD2019 for 2011 LSOAs
iod2025 = "imd2025/imd2025_lsoa21_ranks_deciles_scores.csv.gz"
# ONS best-fit LSOA (2021) to ward (2024) lookup, England and Wales: places are named by ward,
# e.g. "Carfax & Jericho (Oxford 008A)"
wards = "{wards}"
# ONS LSOA (2021) boundaries (GeoJSON, WGS84) for the maps. The demo's file covers the Thames
# Valley force area only: elsewhere, download the super-generalised LSOA 2021 boundaries from
# the ONS Open Geography Portal (https://geoportal.statistics.gov.uk) and name the file here.
boundaries = "{boundaries}"
# Optional: partner indicators (health, fire, council figures), one CSV or XLSX row per published
# figure (docs/methods.md, "Partner data"). The demo's folder holds Oxfordshire's figures only:
# point this at a folder of your partnership's own files.
# partners = "partners"

[priorities]
# Harm points per police.uk crime type (indicative bands, the same everywhere; see the file's
# header): the harm criterion of the priority scores (docs/methods.md, "Priority scoring").
harm_weights = "{harm}"

[peers]
# Similar districts across England and Wales (docs/methods.md): the national files shipped in
# the raw folder (IoD2025 district summaries, rural-urban classification, district to force
# lookup, mid-2022 estimates).
k = 10
iod_summaries = "{iod_summaries}"
rural_urban = "{rural_urban}"
force_lookup = "{force_lookup}"
population = "population/mye22final.xlsx"

[population.sources.mye2020]
label = "ONS mid-2020 population estimates (2021 geography)"
year = 2020
file = "population/ukpopestimatesmid2020on2021geography.xlsx"
format = "ons-mye-workbook"

[population.sources.census2021]
label = "Census 2021 usual residents (sum of LSOAs)"
year = 2021
file = "{lsoa21}"
format = "census2021-lsoa"

[population.sources.mye2022]
label = "ONS mid-2022 population estimates"
year = 2022
file = "population/mye22final.xlsx"
format = "ons-mye-workbook"

[population.by_year]
# The mid-year estimate nearest the year. Years not listed use the source nearest in time
# (ties: the later one). Labels say which year's estimate a source is: reports print them.
{by_year}
[build]
notebook_timeout = 600             # seconds per notebook
"""

_WALES = """
# Welsh districts: the English Indices of Deprivation 2019 have no Welsh LSOAs, so their
# deprivation figures are missing.
"""


def config_text(
    partnership: Partnership,
    *,
    reporting_years: Sequence[int] = (2024, 2025),
    raw: str | Path = "data/raw",
    processed: str | Path = "data/processed",
    reports: str | Path = "reports",
) -> str:
    """A commented ``sna.toml`` for the partnership, in the demo config's structure.

    Parameters
    ----------
    partnership
        From :func:`find_partnership`.
    reporting_years
        The years reported on.
    raw, processed, reports
        Folders, relative to the config file (or absolute). The raw folder must hold the files
        of ``[sources]`` (the demo's layout) and the police.uk street files under ``police_uk``.

    Returns
    -------
    str
        The config; it loads with :func:`sna.data.config.load_config` and passes ``sna
        prepare``'s district check against the demo's ONS lookups.

    Raises
    ------
    SnaError
        If ``reporting_years`` is empty or not years the config loader accepts (see
        :func:`check_reporting_years`).
    """
    years = check_reporting_years(reporting_years)
    p = partnership
    area = p.name.split(",")[0]
    parts = [_HEADER.format(name=p.name, kind=p.kind, code=p.code, force=p.force)]
    if p.notes:
        parts.append("#\n# Notes on the districts:\n")
        parts += ["\n".join(_comment(f"- {note}")) + "\n" for note in p.notes]
    parts.append(
        _SETTINGS.format(
            title=_toml(f"{area} Community Safety Strategic Needs Assessment"),
            area=_toml(area),
            years=", ".join(str(y) for y in years),
            raw=_toml(_posix(raw)),
            processed=_toml(_posix(processed)),
            reports=_toml(_posix(reports)),
        )
    )
    for d in p.districts:
        parts.append(f"\n[[districts]]\ncode = {_toml(d.code)}\nname = {_toml(d.name)}\n")
    force = list(p.force_districts)
    bench = ["", "[benchmark]", f"name = {_toml(p.benchmark_name)}"]
    if p.benchmark_codes:
        bench.append(f"# The {p.force} police force area (as many districts as sna can place):")
        bench += _code_list(force)
        bench.append("# To compare with a county or other districts instead, list their codes.")
    else:
        bench.append("# districts = [...]                # default: all the districts above")
        if {d.code for d in force} != {d.code for d in p.districts}:
            bench.append(f"# Or compare with the {p.force} police force area:")
            bench += ["# " + line for line in _code_list(force)]
    parts.append("\n".join(bench) + "\n")
    if any(d.code.startswith("W") for d in p.districts):
        parts.append(_WALES)
    parts.append(
        _SOURCES.format(
            force=p.force,
            lsoa11=LSOA11_LOOKUP,
            lsoa21=LSOA21_NAMES,
            lsoa11_21=LSOA11_TO_21,
            wards=WARDS,
            boundaries=BOUNDARIES,
            harm=HARM,
            iod_summaries=IOD_SUMMARIES,
            rural_urban=RURAL_URBAN,
            force_lookup=LAD_CSP_PFA,
            by_year="".join(
                _population_for(y, former=p.former_districts) for y in years if y != 2021
            ),
        )
    )
    return "".join(parts)


def _population_for(year: int, *, former: bool) -> str:
    """The year's line of ``[population.by_year]``: the demo's sources, nearest in time.

    The mid-2022 estimates are on 2023 districts: districts abolished in 2023 take Census 2021.
    """
    if year <= 2020:
        return f'{year} = "mye2020"\n'
    if former:
        return f'{year} = "census2021"            # former districts: not in the mid-2022 file\n'
    return f'{year} = "mye2022"\n'


def _code_list(districts: Sequence[District]) -> list[str]:
    return [
        "districts = [",
        *(f"    {_toml(d.code)},  # {d.name}" for d in districts),
        "]",
    ]


def _posix(path: str | Path) -> str:
    return Path(path).as_posix()


def check_reporting_years(years: Iterable[int], *, what: str = "reporting_years") -> list[int]:
    """The years, sorted and once each, if the config loader accepts them as reporting years.

    :func:`sna.data.config.load_config` takes a non-empty list of years from
    :data:`FIRST_YEAR` to :data:`LAST_YEAR`: ``sna init`` refuses what it would refuse.

    Parameters
    ----------
    years
        The reporting years.
    what
        What they were given as, for the message (``"--years"`` on the command line).

    Raises
    ------
    SnaError
        If there are none, or one is out of range (``25`` for ``2025``).

    Examples
    --------
    >>> check_reporting_years([2025, 2024, 2025])
    [2024, 2025]
    """
    given = list(years)
    wrong = [
        y
        for y in given
        if isinstance(y, bool) or not isinstance(y, int) or not FIRST_YEAR <= y <= LAST_YEAR
    ]
    if not given or wrong:
        got = ", ".join(str(y) for y in wrong) if wrong else "none"
        raise SnaError(
            f"{what}: must be years like 2024 2025 ({FIRST_YEAR} to {LAST_YEAR}); got {got}"
        )
    return sorted(set(given))


_NOT_FILES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def check_output(path: str | Path) -> None:
    """Refuse a config path that exists and is not a regular file, whatever ``--force`` says.

    A symbolic link is judged by what it points to.

    Raises
    ------
    SnaError
        One line: ``"d: is a folder, not a config file; choose another --output"``.

    Examples
    --------
    >>> check_output("/tmp")
    Traceback (most recent call last):
    ...
    sna.errors.SnaError: /tmp: is a folder, not a config file; choose another --output
    """
    try:
        mode = Path(path).stat().st_mode
    except OSError:  # missing (or unreadable: writing says why)
        return
    if not stat.S_ISREG(mode):
        what = next((w for test, w in _NOT_FILES if test(mode)), "not a regular file")
        raise SnaError(f"{path}: is {what}, not a config file; choose another --output")


def write_config(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write a config file, refusing to replace an existing one unless ``force``.

    Whatever ``force`` says, a folder, device or other file that is not a regular file is
    refused (see :func:`check_output`), before anything is written.

    Raises
    ------
    SnaError
        If the file exists and ``force`` is false, the path is not a regular file, its folder
        does not exist, or it cannot be written.
    """
    path = Path(path)
    check_output(path)
    if not path.parent.is_dir():
        raise SnaError(f"{path}: folder {path.parent} does not exist")
    try:
        if force:
            atomic_write_text(path, text)
            return path
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise SnaError(
            f"{path}: already exists; choose another --output or pass --force to replace it"
        ) from None
    except OSError as exc:
        raise SnaError(f"{path}: cannot write the config: {exc.strerror or exc}") from None
    return path
