"""What this assessment does not cover: the gaps of police.uk street data, and who can fill them.

police.uk street-level data give recorded crime by month, approximate place and one of 14 broad
categories, with no victim, offender, time of day or flag (domestic abuse, hate). A needs
assessment built on them cannot show several of a partnership's usual priorities. This section
names each gap, why the data cannot show it, which organisation holds data that would, and
whether partner data supplied to this assessment already cover it (:data:`GAPS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from sna.assessment.area import AreaAssessment
from sna.assessment.district import DistrictAssessment
from sna.report.display import show_table, show_text

__all__ = ["GAPS", "Gap", "covering", "partner_indicators", "scope_table", "show_scope"]


@dataclass(frozen=True)
class Gap:
    """One topic police.uk street data cannot show.

    Attributes
    ----------
    topic
        What is not covered, as a reader would name it.
    why
        Why police.uk street-level data cannot show it.
    holders
        Who holds data that would (the partner data to ask for).
    keywords
        Words (lower case) in a partner indicator's name that show it covers the topic.
    """

    topic: str
    why: str
    holders: str
    keywords: tuple[str, ...]


GAPS: tuple[Gap, ...] = (
    Gap(
        "Domestic abuse",
        "police.uk has no domestic abuse flag: domestic crimes are counted within 'Violence and "
        "sexual offences' and other categories, and many domestic abuse incidents are not "
        "crimes.",
        "Thames Valley Police (domestic abuse-flagged crimes and incidents); IDVA services and "
        "MARAC (SafeLives returns); ONS Domestic abuse in England and Wales data tool (by "
        "police force area).",
        ("domestic", "marac", "idva"),
    ),
    Gap(
        "Violence against women and girls",
        "police.uk gives no victim sex or age, and sexual offences, stalking and harassment are "
        "merged into 'Violence and sexual offences'.",
        "Police (sexual offences, stalking and harassment by victim sex); Sexual Assault "
        "Referral Centre; rape and sexual abuse support services.",
        ("sexual", "stalking", "harassment", "vawg", "rape", "women"),
    ),
    Gap(
        "Fraud and cyber crime",
        "Fraud and computer misuse are reported to Action Fraud, not recorded by the local "
        "force, so they are not in police.uk street data.",
        "Action Fraud and the National Fraud Intelligence Bureau (City of London Police), by "
        "police force area; Trading Standards (scams).",
        ("fraud", "cyber", "scam"),
    ),
    Gap(
        "Hate crime",
        "police.uk has no hate crime flag: hate crimes are counted within their offence category.",
        "Police hate crime flags (Home Office hate crime statistics by force); third-party "
        "reporting centres.",
        ("hate",),
    ),
    Gap(
        "Modern slavery and exploitation",
        "Modern slavery, county lines and child criminal or sexual exploitation have no "
        "police.uk category and are rarely recorded at a place.",
        "National Referral Mechanism (Home Office NRM statistics); police exploitation and "
        "county lines data; children's social care.",
        ("slavery", "exploitation", "exploited", "county lines", "nrm"),
    ),
    Gap(
        "Crime not reported to the police",
        "police.uk shows only crimes reported to and recorded by the police; many are never "
        "reported.",
        "Crime Survey for England and Wales (ONS), national and by police force area; local "
        "resident surveys.",
        ("survey", "csew", "perception"),
    ),
    Gap(
        "Crime on the railway",
        "Crimes recorded by British Transport Police are published in its own police.uk files, "
        "not in the local force's.",
        "British Transport Police (its police.uk files, by LSOA).",
        ("transport", "railway", "btp"),
    ),
    Gap(
        "Drug-related deaths and drug harm",
        "police.uk 'Drugs' counts possession and supply offences found by police activity, not "
        "drug use, treatment or deaths.",
        "ONS deaths related to drug poisoning (by local authority); OHID drug and alcohol "
        "treatment data (NDTMS); local treatment services.",
        ("drug death", "drug-related", "drug poisoning", "drug treatment", "ndtms"),
    ),
    Gap(
        "Reoffending",
        "police.uk records offences, not offenders, so it cannot follow who offends again.",
        "Ministry of Justice proven reoffending statistics (by local authority); Probation "
        "Service.",
        ("reoffend", "probation"),
    ),
    Gap(
        "Youth justice",
        "police.uk gives no ages of victims or offenders.",
        "Youth Justice Service and Youth Justice Board (first-time entrants, youth "
        "reoffending, custody); children's services.",
        ("youth", "first-time entrant", "young people"),
    ),
    Gap(
        "Violence seen by health services",
        "Many assaults treated in hospital are never reported to the police.",
        "NHS emergency departments (Information Sharing to Tackle Violence, the Cardiff "
        "Model); ambulance service call-outs.",
        ("a&e", "hospital", "istv", "emergency department", "ambulance"),
    ),
    Gap(
        "Time of day and the night-time economy",
        "police.uk gives the month only: no day, time or venue.",
        "Police crime records (date and time); licensing authorities; ambulance call-outs.",
        ("night", "licens"),
    ),
    Gap(
        "Anti-social behaviour reported to others",
        "police.uk anti-social behaviour covers only incidents reported to the police.",
        "District councils (community safety, environmental health, noise, fly-tipping); "
        "social housing providers.",
        ("anti-social behaviour", "fly-tipping", "noise"),
    ),
)
"""Topics police.uk street data cannot show, in the order reports list them."""


def covering(gap: Gap, indicators: Iterable[str]) -> list[str]:
    """The partner indicators whose names show they cover ``gap`` (case-insensitive).

    Examples
    --------
    >>> covering(GAPS[1], ["Sexual offences", "Valid crimes"])
    ['Sexual offences']
    """
    return [i for i in indicators if any(k in i.casefold() for k in gap.keywords)]


def scope_table(indicators: Sequence[str] = ()) -> pd.DataFrame:
    """The gaps as a published table, saying which the supplied partner data cover.

    Parameters
    ----------
    indicators
        Names of the partner indicators present for the report (may be empty).

    Returns
    -------
    pandas.DataFrame
        Indexed by the topic not covered: "Why police.uk cannot show it", "Who holds the data",
        "Partner data in this assessment" (the covering indicators, or "None supplied").

    Examples
    --------
    >>> t = scope_table(["Sexual offences"])
    >>> t.loc["Violence against women and girls", "Partner data in this assessment"]
    'Partly: Sexual offences'
    >>> t.loc["Hate crime", "Partner data in this assessment"]
    'None supplied'
    """
    unique = list(dict.fromkeys(indicators))
    rows = {}
    for gap in GAPS:
        found = covering(gap, unique)
        rows[gap.topic] = {
            "Why police.uk cannot show it": gap.why,
            "Who holds the data": gap.holders,
            "Partner data in this assessment": (
                "Partly: " + "; ".join(found) if found else "None supplied"
            ),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Not covered by police.uk"
    return table


def partner_indicators(a: DistrictAssessment | AreaAssessment) -> list[str]:
    """The partner indicators for a report, its district's and the whole area's, with periods.

    Each is named with the periods it covers as published: "Sexual offences (2018 to 2024)".

    Parameters
    ----------
    a
        A district or area assessment. For a district, figures of the other districts are left
        out; those of the whole area are kept.
    """
    partners = a.data.partners
    if len(partners) == 0:
        return []
    if isinstance(a, DistrictAssessment):
        others = {d.code for d in a.data.config.districts} - {a.district.code}
        partners = partners[~partners["area_code"].isin(others)]
    labels = []
    for indicator, rows in partners.groupby("indicator", sort=True):
        periods = sorted(set(rows["period"].dropna().astype(str)))
        when = ", ".join(periods) if len(periods) <= 2 else f"{periods[0]} to {periods[-1]}"
        labels.append(f"{indicator} ({when})" if when else str(indicator))
    return labels


def show_scope(
    a: DistrictAssessment | AreaAssessment, indicators: Sequence[str] | None = None
) -> None:
    """What this assessment does not cover, and which partner data would fill each gap.

    Parameters
    ----------
    a
        The district or area assessment.
    indicators
        Partner indicators present; by default those in the prepared data for this report
        (:func:`partner_indicators`).
    """
    present = partner_indicators(a) if indicators is None else list(indicators)
    show_text(
        "This assessment is built on police.uk street-level crime data and the partner data "
        "listed in it. police.uk gives crimes recorded by the police by month, approximate place "
        "and one of 14 broad categories, with nothing about victims, offenders, time of day or "
        "flags such as domestic abuse or hate. The topics below are therefore not covered, or "
        "covered only in part by the partner data supplied; the table names who holds the data "
        "that would fill each gap."
    )
    covered = sum(bool(covering(g, present)) for g in GAPS)
    show_table(
        scope_table(present),
        caption="What this assessment does not cover, and who holds the data",
        notes=(
            f"Partner data supplied cover {covered} of these {len(GAPS)} topics in part "
            "(matched on the indicator's name). Partner figures are shown as their publishers "
            "printed them, for the periods they cover."
            if present
            else "No partner data were supplied to this assessment."
        ),
    )
