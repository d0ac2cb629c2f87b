from .models import Role
from .selectors import primary_role, user_role_scopes


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scopes = user_role_scopes(user)
    return {
        "my_roles": [(Role(role).label, code) for role, _path, code in scopes],
        "my_primary_role": primary_role(user),
    }
