"""The one place where the demo brings the maintained coverage (``learning.CoverageEntry``) in step
after it has written study records.

The services keep those rows up to date as they write (a check-in marks its person reached), but
the demo's bulk inserts of attendance and deliveries go around them, so each campaign the demo
seeds is rebuilt once at the end.
"""

from __future__ import annotations

from tongxin.learning.services.coverage import coverage_rebuild


def refresh_coverage(campaign) -> int:
    """Rebuild the coverage rows of ``campaign`` from the registry and the records."""
    return coverage_rebuild(campaign) if campaign is not None else 0
