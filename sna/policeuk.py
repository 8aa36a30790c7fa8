"""police.uk street-level crime files: their schema, and reading one file into kept and rejected rows.

A file is ``YYYY-MM-<force>-street.csv`` (optionally ``.gz``) with the columns in
:data:`STREET_COLUMNS`. Reading never drops a row silently: every data row ends up in the records
frame or in the rejects frame with a reason, and :class:`FileCounts` reconciles the two.
"""

from __future__ import annotations

CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""The 14 police.uk crime types (2013 onwards). "Anti-social behaviour" is not a crime."""

ASB = "Anti-social behaviour"

STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
