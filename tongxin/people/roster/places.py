"""The grids, buildings and party branches a roster names, looked up within the org."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.selectors import org_subtree

from .columns import clean_text

BRANCH_KINDS = (OrgKind.PARTY_BRANCH, OrgKind.PARTY_COMMITTEE)

Fault = tuple[str, str]  # (column key, reason)


def name_key(name: str) -> str:
    """A name as compared: without any spaces (第一 网格 = 第一网格)."""
    return "".join(clean_text(name).split())


class RosterPlaces:
    """Everything below ``org`` that a row may name, loaded in one query. Grid and branch
    names must be unique within the org; a building name only within its grid."""

    def __init__(self, org: Org):
        self.org = org
        self.by_id: dict[int, Org] = {}
        self.grids: dict[str, list[Org]] = {}
        self.buildings: dict[tuple[int, str], list[Org]] = {}
        self.branches: dict[str, list[Org]] = {}
        for item in org_subtree(org).filter(kind__in=(OrgKind.GRID, OrgKind.BUILDING, *BRANCH_KINDS)).order_by("path"):
            self.by_id[item.pk] = item
            key = name_key(item.name)
            if item.kind == OrgKind.GRID:
                self.grids.setdefault(key, []).append(item)
            elif item.kind == OrgKind.BUILDING:
                self.buildings.setdefault((item.parent_id, key), []).append(item)
            else:
                self.branches.setdefault(key, []).append(item)

    @staticmethod
    def _names(items: list[Org]) -> str:
        """Up to eight names, to tell the cadre what may be written."""
        if not items:
            return _("（无）")
        return "、".join(o.name for o in items[:8]) + ("……" if len(items) > 8 else "")

    def place(self, grid_name: str, building_name: str) -> tuple[Org | None, Fault | None]:
        """The building named in the grid named, or the grid when no building is given."""
        if not grid_name:
            return None, ("grid", _("网格不能为空"))
        grids = self.grids.get(name_key(grid_name), [])
        if not grids:
            known = [g for items in self.grids.values() for g in items]
            return None, ("grid", _("网格“%(name)s”不在%(org)s下；可填：%(known)s")
                          % {"name": grid_name, "org": self.org.name, "known": self._names(known)})
        if len(grids) > 1:
            parents = Org.objects.in_bulk([g.parent_id for g in grids])
            return None, ("grid", _("%(org)s下有多个名为“%(name)s”的网格（%(where)s），请按社区分别导入")
                          % {"org": self.org.name, "name": grid_name,
                             "where": "、".join(parents[g.parent_id].name for g in grids)})
        grid = grids[0]
        if not building_name:
            return grid, None
        buildings = self.buildings.get((grid.pk, name_key(building_name)), [])
        if len(buildings) == 1:
            return buildings[0], None
        if buildings:
            return None, ("building", _("%(grid)s下有多个名为“%(name)s”的楼栋，请先在组织架构中改名")
                          % {"grid": grid.name, "name": building_name})
        known = [b for (grid_id, _n), items in self.buildings.items() if grid_id == grid.pk for b in items]
        return None, ("building", _("楼栋“%(name)s”不在%(grid)s下；可填：%(known)s")
                      % {"name": building_name, "grid": grid.name, "known": self._names(known)})

    def branch(self, name: str) -> tuple[Org | None, Fault | None]:
        if not name:
            return None, ("branch", _("党员须填写所在支部"))
        branches = self.branches.get(name_key(name), [])
        if len(branches) == 1:
            return branches[0], None
        if branches:
            return None, ("branch", _("%(org)s下有多个名为“%(name)s”的党组织，请先在组织架构中改名")
                          % {"org": self.org.name, "name": name})
        known = [b for items in self.branches.values() for b in items]
        return None, ("branch", _("所在支部“%(name)s”不在%(org)s下；可填：%(known)s")
                      % {"name": name, "org": self.org.name, "known": self._names(known)})
