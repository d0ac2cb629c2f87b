from .models import Role
from .selectors import primary_role, user_role_scopes


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scopes = user_role_scopes(user)
    primary = primary_role(user)
    return {
        "my_roles": [(Role(role).label, code) for role, _path, code in scopes],
        "my_primary_role": primary,
        # The staff who run campaigns and study in a place: the learning pages carry their menu.
        "runs_study": primary in (Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD,
                                  Role.SUPERIOR),
        # The voices menu: what each of these finds there depends on the role (voices_menu.html).
        "is_member": primary == Role.PARTY_MEMBER,
    }
