"""``/api/v1/tokens/``: a signed-in user's personal API tokens (list, make, look at, revoke).

A token is made only from a signed-in browser session (a token cannot make more tokens, so
a leaked one cannot entrench itself), and only after two-factor sign-in where the user's
role requires it (config.security.RequireTwoFactorMiddleware sends them there first). The
secret is in the answer to its creation and nowhere else.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import (
    exceptions,
    mixins,
    permissions,
    serializers,
    status,
    views,
    viewsets,
)
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


# --- sign-up ------------------------------------------------------------------------

class SignUpSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False,
                                     help_text="Checked by the password validators (at least "
                                               "10 characters, not common, not all digits).")


class SignUpAnswerSerializer(serializers.Serializer):
    email = serializers.EmailField()
    detail = serializers.CharField()


class ConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500,
                                  help_text="The last part of the emailed link.")
    password = serializers.CharField(required=False, write_only=True, trim_whitespace=False,
                                     help_text="With token_name: the account's password, to "
                                               "make its first API token.")
    token_name = serializers.CharField(required=False, max_length=100)


class ConfirmedSerializer(serializers.Serializer):
    email = serializers.EmailField()
    token = serializers.CharField(required=False,
                                  help_text="The first API token's secret, shown this once.")


class SignUpView(views.APIView):
    """Anyone makes an account with an email address and a password; the worker emails a
    confirmation link, and until it is confirmed the account can do nothing. Throttled as
    sign-in."""

    # the default authentication stays: a browser that carries a session is held to the
    # CSRF check (a page elsewhere must not sign its visitor up or confirm for them)
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=SignUpSerializer, responses={201: SignUpAnswerSerializer},
                   examples=[OpenApiExample("sign up", request_only=True, value={
                       "email": "wang.li@example.cn", "password": "Kehou-fuwu-2026"})])
    def post(self, request):
        payload = SignUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.account_signup(base_url=request.build_absolute_uri("/"),
                                       **payload.validated_data)
        return Response({"email": user.email, "detail": _(
            "We sent a confirmation link to %(email)s.") % {"email": user.email}},
            status=status.HTTP_201_CREATED)


class SignUpConfirmView(views.APIView):
    """Confirm the email address with the token of the emailed link. With ``password`` and
    ``token_name`` the answer also carries the account's first API token, for a client
    without a browser."""

    # the default authentication stays: a browser that carries a session is held to the
    # CSRF check (a page elsewhere must not sign its visitor up or confirm for them)
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=ConfirmSerializer, responses={200: ConfirmedSerializer},
                   examples=[OpenApiExample("confirm and get a token", request_only=True,
                                            value={"token": "eyJ1Ijo…", "password": "…",
                                                   "token_name": "integration"})])
    def post(self, request):
        payload = ConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        v = payload.validated_data
        if v.get("token_name"):
            user, _row, secret = services.account_confirm_with_token(
                token=v["token"], password=v.get("password", ""),
                token_name=v["token_name"])
            return Response({"email": user.email, "token": secret})
        user = services.account_confirm(token=v["token"])
        return Response({"email": user.email})
