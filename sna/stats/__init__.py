"""Layer 2, statistics: pure functions on numbers and frames, no wording and no display.

Every estimate comes back in one schema (:mod:`sna.stats.schema`): ``count``, ``denominator``,
``value``, ``lower<level>`` / ``upper<level>`` per confidence level (``lower95``, ``upper998``) and
``method``, with the levels recorded in ``DataFrame.attrs["confidence"]``.
"""
