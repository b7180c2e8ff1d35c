from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Action
from .policy import level_of, may


class MyAssuranceView(APIView):
    """The caller's assurance level, and for every action whether they may do it."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "MyAssurance",
            {
                "level": serializers.CharField(),
                "actions": serializers.ListField(child=serializers.DictField()),
            },
        ),
        description=str(_("Your assurance level and which actions it allows.")),
    )
    def get(self, request):
        current = level_of(request.user)
        return Response(
            {
                "level": current.value,
                "actions": [may(request.user, action, current=current).as_dict() for action in Action],
            }
        )
