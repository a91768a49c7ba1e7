"""The console script `modelready` and `python -m modelready.cli`: see app/cli.py."""

import sys

from .app.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
