"""``/api/v1/tokens/``: a signed-in user's personal API tokens (list, make, look at, revoke).

A token is made only from a signed-in browser session (a token cannot make more tokens, so
a leaked one cannot entrench itself), and only after two-factor sign-in where the user's
role requires it (config.security.RequireTwoFactorMiddleware sends them there first). The
secret is in the answer to its creation and nowhere else.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from accounts import selectors, services
from accounts.models import ApiToken


class TokenSerializer(serializers.ModelSerializer):
    expired = serializers.BooleanField(source="is_expired", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at",
                  "expired"]
        read_only_fields = fields


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(required=False, min_value=1,
                                    help_text="lifetime in days (default and maximum: "
                                              "API_TOKEN_DEFAULT_DAYS, API_TOKEN_MAX_DAYS)")


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="the secret: shown this once")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens (never their secrets). ``DELETE`` revokes one."""

    serializer_class = TokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.tokens_of(self.request.user)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(request=TokenCreateSerializer, responses={201: TokenCreatedSerializer})
    def create(self, request):
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            raise exceptions.PermissionDenied(
                _("Tokens are made from a signed-in session, not with a token."))
        payload = TokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, secret = services.token_create(
            actor=request.user, name=payload.validated_data["name"],
            days=payload.validated_data.get("days"),
            two_factor=request.user.is_verified())
        token.token = secret
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(actor=self.request.user, token=instance)
