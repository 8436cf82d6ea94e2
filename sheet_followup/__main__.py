"""``python -m sheet_followup`` runs the same command line as ``sheet-followup``."""

from sheet_followup.entry import main

if __name__ == "__main__":
    main()
