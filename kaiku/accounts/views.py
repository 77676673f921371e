from __future__ import annotations

import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.accounts import services
from kaiku.accounts.forms import (
    CodeForm,
    LoginForm,
    PreferencesForm,
    ReplaceCodeForm,
    TokenForm,
)
from kaiku.accounts.models import ApiToken, User
from kaiku.organisations import audit
from kaiku.organisations.audit import client_ip

PENDING_KEY = "kaiku_pending_user"
PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}):
        return wanted
    return "/"


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = client_ip(request)
        if services.is_throttled(username, ip):
            audit.record("login.throttled", request=request, username=username)
            form.add_error(None, _("Too many failed attempts. Wait 15 minutes and try again."))
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                services.note_failure(username, ip)
                audit.record("login.failed", request=request, username=username)
                form.add_error(None, _("The username or password is wrong."))
            elif isinstance(user, User) and user.has_two_factor:
                request.session[PENDING_KEY] = {"id": user.pk, "at": time.time()}
                next_url = _next_url(request)
                return redirect(f"/accounts/login/code/?next={next_url}")
            else:
                return _finish_login(request, user)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def _finish_login(request: HttpRequest, user: Any) -> HttpResponse:
    services.clear_failures(user.username)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    audit.record("login", request=request, actor=user)
    return redirect(_next_url(request))


def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return redirect("accounts:login")
    user = get_object_or_404(User, pk=pending["id"], is_active=True)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if services.is_throttled(user.username, ip):
            form.add_error(None, _("Too many failed attempts. Wait 15 minutes and try again."))
        elif services.use_totp(user, form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            return _finish_login(request, user)
        else:
            services.note_failure(user.username, ip)
            audit.record("login.failed_code", request=request, actor=user)
            form.add_error("code", _("The code is wrong or has expired."))
    return render(request, "accounts/login_code.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record("logout", request=request)
    logout(request)
    return redirect("accounts:login")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record("account.updated", request=request, fields=sorted(form.changed_data))
        messages.success(request, _("Your details were saved."))
        return redirect("accounts:account")
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "tokens": tokens,
            "token_form": TokenForm(),
            "new_token": None,
            "tfa_required": services.two_factor_required(request.user),
        },
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    user = request.user
    # The new secret waits in the session until confirmed, sealed like every stored secret.
    secret = services.pending_totp_secret(request.session)
    replacing = user.has_two_factor
    form: CodeForm = (ReplaceCodeForm if replacing else CodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = services.totp_step(secret, form.cleaned_data["code"])
        if step is None:
            form.add_error("code", _("The code is wrong or has expired."))
        elif replacing and not services.use_totp(user, form.cleaned_data["current_code"]):
            services.note_failure(user.username, client_ip(request))
            form.add_error("current_code", _("The code is wrong or has expired."))
        else:
            user.totp_secret = secret
            user.totp_confirmed_at = timezone.now()
            user.totp_last_step = step
            user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
            services.forget_totp_secret(request.session)
            audit.record(
                "two_factor.replaced" if replacing else "two_factor.enabled", request=request
            )
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("accounts:account")
    uri = services.totp_uri(user, secret)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#1b2733", light="#ffffff")
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "secret": secret,
            "qr_svg": qr_svg,
            "replacing": replacing,
            "required": request.GET.get("required") == "1",
        },
    )


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    user = request.user
    form = CodeForm(request.POST)
    if form.is_valid() and services.use_totp(user, form.cleaned_data["code"]):
        user.totp_secret = ""
        user.totp_confirmed_at = None
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])
        audit.record("two_factor.disabled", request=request)
        messages.success(request, _("Two-factor sign-in is off."))
    else:
        services.note_failure(user.username, client_ip(request))
        messages.error(request, _("The code is wrong or has expired."))
    return redirect("accounts:account")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = TokenForm(request.POST)
    new_token = None
    if form.is_valid():
        token, new_token = ApiToken.issue(request.user, form.cleaned_data["name"])
        audit.record("api_token.created", request=request, target=token.prefix)
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/account.html",
        {
            "form": PreferencesForm(instance=request.user),
            "tokens": tokens,
            "token_form": TokenForm(),
            "new_token": new_token,
            "tfa_required": services.two_factor_required(request.user),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user_id=request.user.pk, revoked_at=None)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record("api_token.revoked", request=request, target=token.prefix)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:account")


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record("password.changed", request=self.request)
        return response
