"""The console script `modelready` and `python -m modelready.cli`: see app/cli.py."""

from .app.cli import exit_now, main

__all__ = ["main", "run"]


def run() -> None:
    """The console script."""
    exit_now(main())


if __name__ == "__main__":
    run()
