"""Layer 1, data: the config, reading police.uk and area files, ``sna prepare`` and its outputs.

Nothing here computes a statistic or words a report. Higher layers read the prepared data through
:func:`sna.data.processed.load_processed` and the typed :class:`sna.data.manifest.Manifest`.
"""
