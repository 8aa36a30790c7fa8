"""Layer 3, assessment: the figures of one report, computed once, with their suppression decided once.

Functions here compose :mod:`sna.stats` on :class:`~sna.data.processed.Processed` data. A report
layer shows these figures; it never recomputes or re-suppresses them.
"""
