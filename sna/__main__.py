"""``python -m sna``: the ``sna`` command, where its script is not on the PATH.

``python -m sna build --years 2025`` is ``sna build --years 2025``.
"""

import sys

from sna.build.cli import main

if __name__ == "__main__":
    sys.exit(main())
