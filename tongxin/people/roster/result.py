"""What an import reports: counts, and every fault with its Excel row, column and reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tongxin.orgs.models import Org

MAX_ERRORS_KEPT = 1000  # every fault is counted; the report lists the first ones


@dataclass(frozen=True)
class RosterError:
    row: int | None  # the Excel row number (header = 1); None for the file as a whole
    column: str  # the header as written in the file; "" for the file or a whole row
    reason: str
    column_letter: str = ""

    @property
    def cell(self) -> str:
        return f"{self.column_letter}{self.row}" if self.column_letter and self.row else ""


@dataclass
class RosterImportResult:
    file_name: str
    org: Org
    dry_run: bool = False
    rows: int = 0  # data rows read (blank rows and the example row not counted)
    created: int = 0  # persons created, or that would be in a dry run
    skipped: int = 0  # persons already registered (已存在，跳过)
    skipped_rows: list[int] = field(default_factory=list)
    households_created: int = 0
    party_members_created: int = 0
    errors: list[RosterError] = field(default_factory=list)  # the first MAX_ERRORS_KEPT, by row
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def saved(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def add_error(self, row: int | None, column: str, reason: str, column_letter: str = "") -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RosterError(row, column, reason, column_letter))

    def drop_errors(self, predicate: Callable[[RosterError], bool]) -> None:
        """Forget the faults for which ``predicate`` is true."""
        kept = [e for e in self.errors if not predicate(e)]
        self.error_count -= len(self.errors) - len(kept)
        self.errors = kept

    def sort_errors(self) -> None:
        self.errors.sort(key=lambda e: (e.row or 0, len(e.column_letter), e.column_letter))
