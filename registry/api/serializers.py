from rest_framework import serializers

from registry.models import Jurisdiction, ServiceCategory


class JurisdictionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["id", "code", "name", "name_en", "level", "parent"]


class ServiceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["id", "code", "name", "name_en", "parent", "description", "is_high_risk"]


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_label = serializers.CharField()
    model = serializers.CharField()
    object_id = serializers.IntegerField()
    object_name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    language = serializers.CharField()
    roles = RoleSerializer(many=True)
