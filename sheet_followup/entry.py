"""The ``sheet-followup`` command, as the console script starts it.

Importing the command line takes a tenth of a second (Click, the tool's modules): a Ctrl-C in
that time would print a traceback. This module imports nothing but ``sys`` before it can say
"Aborted!" instead, with the same exit code as a Ctrl-C during a command.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from sheet_followup.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("Aborted!\n")
        raise SystemExit(1) from None
    command_line()
