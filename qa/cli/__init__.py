"""The `qa` command line: thin shells over the library that turn `QAError` into a message and an exit code.

May import anything in `qa` and `embeddings`. Nothing imports it but `ui.cli` (for `cmd_index` and `settings_from`)
and the `qa` console script; it never imports `ui` (plugins arrive through the `qa.commands` entry point).
"""

from .main import cmd_index, entry, main

__all__ = ["cmd_index", "entry", "main"]
