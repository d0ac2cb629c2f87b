import pytest
from django.core.exceptions import ValidationError

from tongxin.orgs.models import OrgKind
from tongxin.orgs.selectors import org_ancestors, org_subtree
from tongxin.orgs.services import household_create, org_create
from tongxin.people.selectors import person_count_in


def test_subtree_holds_descendants_only(street):
    codes = set(org_subtree(street.community_a).values_list("code", flat=True))
    assert codes == {"BLP-C1", "BLP-C1-G1", "BLP-C1-G1-B1", "BLP-C1-P1"}
    assert "BLP-C2" not in codes


def test_path_prefix_does_not_confuse_ids_that_share_digits(street):
    # Create enough orgs that ids 1 and 1x exist side by side.
    for i in range(12):
        org_create(by=None, code=f"X{i}", name=f"网格{i}", kind=OrgKind.GRID, parent=street.community_b)
    first = street.city  # id path /1/ is a prefix candidate for /1x/ paths
    assert all(o.path.startswith(first.path) for o in org_subtree(first))
    grid = org_create(by=None, code="ONLY", name="单独网格", kind=OrgKind.GRID, parent=street.community_a)
    assert list(org_subtree(grid)) == [grid]


def test_ancestors_in_order(street):
    assert [o.code for o in org_ancestors(street.building_a1)] == ["TL", "KEQ", "BLP", "BLP-C1", "BLP-C1-G1"]


def test_people_count_per_subtree(street):
    assert person_count_in(street.street) == 3
    assert person_count_in(street.community_a) == 2
    assert person_count_in(street.community_b) == 1


@pytest.mark.parametrize("kind, parent_attr", [
    (OrgKind.GRID, "street"),  # a grid sits under a community, not a street
    (OrgKind.BUILDING, "community_a"),
    (OrgKind.CITY, "district"),
])
def test_kind_must_fit_its_parent(street, kind, parent_attr):
    with pytest.raises(ValidationError):
        org_create(by=None, code="BAD", name="错误", kind=kind, parent=getattr(street, parent_attr))


def test_codes_are_unique_and_plain(street):
    with pytest.raises(ValidationError):
        org_create(by=None, code="BLP", name="重复", kind=OrgKind.COMMUNITY, parent=street.street)
    with pytest.raises(ValidationError):
        org_create(by=None, code="含 空格", name="非法", kind=OrgKind.COMMUNITY, parent=street.street)


def test_household_only_in_building_or_grid(street):
    with pytest.raises(ValidationError):
        household_create(by=None, org=street.community_a, number="1")
