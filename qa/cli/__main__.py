"""`python -m qa.cli ...` runs the `qa` command."""

from .main import entry

entry()
