"""花名册: importing a community's roster workbook, its template, and Excel exports of people.

- ``importing``: ``roster_import`` — check a workbook row by row, then save all or nothing.
- ``template``: ``roster_template_workbook`` — the workbook cadres fill in.
- ``export``: ``people_export_workbook`` — a masked, formula-safe list of people.
- ``result``: ``RosterImportResult`` — counts and faults (row, column, reason).
- ``columns``, ``sheet``, ``places``: headers and cell rules, the streaming sheet reader, and
  the grids, buildings and branches a row names.
"""

from .export import excel_safe, people_export_workbook
from .importing import roster_import
from .result import RosterError, RosterImportResult
from .template import roster_template_workbook

__all__ = [
    "RosterError", "RosterImportResult", "excel_safe", "people_export_workbook",
    "roster_import", "roster_template_workbook",
]
