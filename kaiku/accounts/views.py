from __future__ import annotations

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from django.views.decorators.http import require_POST

from kaiku.accounts import services
from kaiku.accounts.forms import (
    CodeForm,
    LoginForm,
    PreferencesForm,
    ReplaceCodeForm,
    SignInLinkForm,
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


def _throttled_message(wait: int) -> str:
    return ngettext(
        "Too many failed attempts. Try again in %(seconds)d second, "
        "or get a one-time sign-in link by e-mail.",
        "Too many failed attempts. Try again in %(seconds)d seconds, "
        "or get a one-time sign-in link by e-mail.",
        wait,
    ) % {"seconds": wait}


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = client_ip(request)
        wait = services.wait_seconds(username, ip)
        if wait:
            audit.record("login.throttled", request=request, username=username, wait=wait)
            form.add_error(None, _throttled_message(wait))
            throttled = True
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
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _next_url(request), "throttled": throttled},
    )


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
        wait = services.wait_seconds(user.username, ip)
        if wait:
            form.add_error(None, _throttled_message(wait))
        elif services.use_totp(user, form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            return _finish_login(request, user)
        else:
            services.note_failure(user.username, ip)
            audit.record("login.failed_code", request=request, actor=user)
            form.add_error("code", _("The code is wrong or has expired."))
    return render(request, "accounts/login_code.html", {"form": form, "next": _next_url(request)})


def sign_in_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time sign-in link. The answer is the same whether or not the address
    belongs to an account, so the page tells nobody who has one."""
    form = SignInLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ip = client_ip(request)
        if services.may_send_sign_in_link(email, ip):
            for user, raw in services.issue_sign_in_link(email, ip):
                _send_sign_in_link(request, user, raw)
                audit.record("login.link_sent", request=request, actor=user)
        return render(request, "accounts/sign_in_link_sent.html", {"email": email})
    return render(request, "accounts/sign_in_link_request.html", {"form": form})


def _send_sign_in_link(request: HttpRequest, user: User, raw: str) -> None:
    url = request.build_absolute_uri(reverse("accounts:sign_in_link", args=[raw]))
    minutes = settings.KAIKU_SIGN_IN_LINK_SECONDS // 60
    with override(user.language or "fi"):
        body = render_to_string(
            "accounts/sign_in_link_email.txt", {"url": url, "minutes": minutes, "user": user}
        )
        subject = _("Your sign-in link to Kaiku")
    send_mail(subject, body, None, [user.email])


def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link shows a button; only pressing it signs in, so a mail program that
    opens links to scan them does not use it up."""
    link = services.open_sign_in_link(token)
    if link is None:
        return render(request, "accounts/sign_in_link_closed.html", status=410)
    if request.method != "POST":
        return render(request, "accounts/sign_in_link_confirm.html", {"link": link})
    user = services.use_sign_in_link(token)
    if user is None:
        return render(request, "accounts/sign_in_link_closed.html", status=410)
    audit.record("login.link_used", request=request, actor=user)
    if user.has_two_factor:
        # The link stands in for the password, not for the second factor.
        request.session[PENDING_KEY] = {"id": user.pk, "at": time.time()}
        return redirect("accounts:login_code")
    return _finish_login(request, user)


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
