"""``python -m xl_kik`` is ``xl-kik``."""

import sys

from xl_kik.cli import main

if __name__ == "__main__":
    sys.exit(main())
