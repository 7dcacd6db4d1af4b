"""The `shoal` command line."""
import sys

from analyzer import __version__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `shoal` console script."""
    print(f"shoal {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
