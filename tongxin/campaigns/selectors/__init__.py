"""Reads on campaigns, by concern:

* ``campaigns`` — which campaigns an account sees, who a campaign must reach, its plans "1+7+N";
* ``tasks`` — which actions (规定动作 / 自选动作) apply to a unit (the rule is in its docstring);
* ``compliance`` — each unit against each required action: done, overdue or pending.

Everything is importable from here, as before the split.
"""

from .campaigns import (
    LIST_SORTS, PlanNode, campaign_get_visible, campaign_list_for, campaign_target_text,
    campaign_visible_q, plan_counts, plan_tree,
)
from .compliance import (
    COMPLIANCE_SORTS, DONE, OVERDUE, PENDING, STATE_LABELS, Cell, Compliance, Proof, UnitRow, compliance,
    compliance_base_path, compliance_default_org,
)
from .tasks import UNIT_KINDS, task_applies_to, tasks_for_org, unit_domain

__all__ = [
    "COMPLIANCE_SORTS", "DONE", "LIST_SORTS", "OVERDUE", "PENDING", "STATE_LABELS", "UNIT_KINDS", "Cell",
    "Compliance", "PlanNode", "Proof", "UnitRow", "campaign_get_visible", "campaign_list_for",
    "campaign_target_text", "campaign_visible_q", "compliance", "compliance_base_path", "compliance_default_org",
    "plan_counts", "plan_tree", "task_applies_to", "tasks_for_org", "unit_domain",
]
