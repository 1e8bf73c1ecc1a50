"""Sign-up pages (``/accounts/signup/``): anyone makes an account with an email address and
a password; the worker emails a confirmation link; confirming signs them in and they choose
whether they represent an organization or offer their own services. Views parse input and
call one service.

A sign-up may start from an invitation's page: it carries where to come back to (``next``,
followed only when it stays on this site) through the confirmation email, and the invited
address (``email``) to fill in."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts import services
from registry.requests import form_error


class SignUpForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput,
        help_text=gettext_lazy("At least 10 characters; not a common password, not only "
                               "digits, not like your email address."))


def _next(request) -> str:
    """Where to go once signed in, as asked (``next``, posted or in the address), when it
    is a page of this site; else ""."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return value
    return ""


def signup(request):
    """The sign-up form; its answer says to look for the confirmation email."""
    next_url = _next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "signup:choose")
    form = SignUpForm(request.POST or None,
                      initial={"email": request.GET.get("email", "")[:150]})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_signup(email=form.cleaned_data["email"],
                                           password=form.cleaned_data["password"],
                                           base_url=request.build_absolute_uri("/"),
                                           next_url=next_url)
        except ValidationError as error:
            form_error(form, error)
        else:
            return render(request, "accounts/signup_sent.html",
                          {"email": user.email, "next": next_url}, status=201)
    status = 400 if form.errors else 200
    return render(request, "accounts/signup.html", {"form": form, "next": next_url},
                  status=status)


def confirm(request, token: str):
    """GET shows a button (a mail scanner opening the link confirms nothing); POST confirms
    and signs the new user in, then goes on where the sign-up started (an invitation) or
    to choose what they offer."""
    next_url = _next(request)
    if request.method == "POST":
        try:
            user = services.account_confirm(token=token)
        except ValidationError as error:
            return render(request, "accounts/confirm.html",
                          {"errors": error.messages, "token": token, "next": next_url},
                          status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your email address is confirmed. Welcome."))
        return redirect(next_url or "signup:choose")
    return render(request, "accounts/confirm.html", {"token": token, "next": next_url})


@login_required
@require_GET
def choose(request):
    """What next: register an organization, or register oneself as an individual."""
    return render(request, "accounts/choose.html")
