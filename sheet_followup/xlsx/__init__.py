"""A lossless editor of .xlsx packages: it changes the cells it is asked to, copies every other
part as it is, and reads its own work back before anyone sees it.

It stands alone: it imports nothing from the rest of sheet-followup, and raises its own errors
(:mod:`sheet_followup.xlsx.errors`), which the application turns into its own
(:func:`sheet_followup.errors.from_xlsx`).
"""
