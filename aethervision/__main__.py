"""`python -m aethervision` runs the CLI."""

from aethervision.cli import main

if __name__ == "__main__":
    main()
