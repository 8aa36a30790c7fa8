"""Layer 5, build: plan the reports, run the notebooks, publish HTML, and the ``sna`` command."""
