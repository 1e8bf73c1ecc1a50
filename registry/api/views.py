"""Reference data for everyone, and who the caller is. Business endpoints live with
their issues (documents, workflows, lists)."""

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.serializers import (
    JurisdictionSerializer,
    MeSerializer,
    ServiceCategorySerializer,
)
from registry.models import Jurisdiction, ServiceCategory
from registry.selectors import user_role_summary


class JurisdictionViewSet(viewsets.ReadOnlyModelViewSet):
    """The administrative tree (public reference data)."""

    queryset = Jurisdiction.objects.all()
    serializer_class = JurisdictionSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["level", "parent"]


class ServiceCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Non-academic service categories in use (public reference data)."""

    queryset = ServiceCategory.objects.filter(is_active=True)
    serializer_class = ServiceCategorySerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["parent"]


class MeView(APIView):
    """The caller's account and the roles it holds, object by object."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        roles = [
            {
                "role": str(item["role"]),
                "role_label": str(item["role"].label),
                "model": item["model"],
                "object_id": item["object"].pk,
                "object_name": str(item["object"]),
            }
            for item in user_role_summary(request.user)
        ]
        data = {"username": request.user.get_username(), "language": get_language(),
                "roles": roles}
        return Response(MeSerializer(data).data)
