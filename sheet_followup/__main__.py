"""``python -m sheet_followup`` runs the same command line as ``sheet-followup``."""

from sheet_followup.cli import main

if __name__ == "__main__":
    main()
