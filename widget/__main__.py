"""`python -m widget` runs the `basketlift` command line."""

from widget.cli import main

main()
