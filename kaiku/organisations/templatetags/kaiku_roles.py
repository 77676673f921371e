from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from kaiku.organisations.roles import Perm

register = template.Library()

LABELS = {
    Perm.VIEW: _("See the dashboard, posts and digest"),
    Perm.CHECK_TEXT: _("Use the language check"),
    Perm.EDIT_POSTS: _("Write, schedule and publish posts"),
    Perm.REVIEW_POSTS: _("Approve other people's posts"),
    Perm.MANAGE_CHANNELS: _("Connect and disconnect channels"),
    Perm.MANAGE_WATCH: _("Manage watched sources and topics"),
    Perm.MANAGE_MEMBERS: _("Invite members and change roles"),
    Perm.MANAGE_SETTINGS: _("Change organisation settings"),
    Perm.VIEW_AUDIT: _("Read the audit log"),
}


@register.filter
def perm_label(perm: Perm) -> str:
    return str(LABELS.get(perm, perm))
