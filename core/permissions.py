from wagtail.permission_policies import ModelPermissionPolicy


class LimitedPermissionPolicy(ModelPermissionPolicy):
    """A model's usual admin permissions, narrowed: `allowed` (if given) lists the only actions possible,
    `denied` those never possible — e.g. a read-only audit log, or records that citizens create and staff
    only moderate."""

    def __init__(self, model, *, allowed=None, denied=(), **kwargs):
        super().__init__(model, **kwargs)
        self.allowed = frozenset(allowed) if allowed is not None else None
        self.denied = frozenset(denied)

    def _possible(self, action):
        return action not in self.denied and (self.allowed is None or action in self.allowed)

    def user_has_permission(self, user, action):
        return self._possible(action) and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)
