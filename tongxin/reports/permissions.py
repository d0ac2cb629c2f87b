"""Who may read the figures and reports of an org, declared with django-rules.

| permission            | object | who                                                                  |
|-----------------------|--------|----------------------------------------------------------------------|
| reports.view_figures  | Org    | street admin, community worker, grid worker, building head over the org; a superior (district, city, inspection group) over it |

The figures count records of people and places, never show a person: whoever works on a place may
read its figures, its dashboard, its bulletin and its progress report.
"""

import rules

from tongxin.accounts.selectors import has_role_over
from tongxin.voices.permissions import VIEW_ROLES

FIGURES_ROLES = VIEW_ROLES


@rules.predicate
def reads_figures(user, org) -> bool:
    return org is not None and has_role_over(user, FIGURES_ROLES, org.path)


rules.add_perm("reports.view_figures", reads_figures)
