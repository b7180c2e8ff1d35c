"""The authentication backends (AUTHENTICATION_BACKENDS): Django's and allauth's, unchanged in how they sign
people in, but loading a signed-in user together with their assurance grant in one statement
(`identity.policy.load_user`). Every request of a signed-in person loads its user; most of them then ask the
user's level (any citizen's write does), which was a second query."""

from allauth.account import auth_backends
from django.contrib.auth import backends

from .policy import load_user


class LoadsAssuranceGrant:
    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(LoadsAssuranceGrant, backends.ModelBackend):
    pass


class AuthenticationBackend(LoadsAssuranceGrant, auth_backends.AuthenticationBackend):
    pass
