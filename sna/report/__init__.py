"""Layer 4, report: tables, charts, sentences, display and provenance of computed figures.

Functions here take figures from :mod:`sna.assessment` and turn them into what a reader sees.
They compute no statistic and make no suppression decision of their own.
"""
