"""What each role may do: the one place in code (docs/roles.md shows the same table)."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    EDITOR = "editor", _("Editor")
    REVIEWER = "reviewer", _("Reviewer")
    VIEWER = "viewer", _("Viewer")


class Perm(StrEnum):
    VIEW = "view"  # see the dashboard, posts, calendar, digest
    CHECK_TEXT = "check_text"  # use the language check
    EDIT_POSTS = "edit_posts"  # write, schedule and publish posts
    REVIEW_POSTS = "review_posts"  # approve others' posts
    MANAGE_CHANNELS = "manage_channels"  # connect and disconnect platform accounts
    MANAGE_WATCH = "manage_watch"  # add and remove watched sources and topics
    MANAGE_MEMBERS = "manage_members"  # invite, change roles, remove
    MANAGE_SETTINGS = "manage_settings"  # organisation settings
    VIEW_AUDIT = "view_audit"  # read the audit log


PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.EDITOR: frozenset(
        {Perm.VIEW, Perm.CHECK_TEXT, Perm.EDIT_POSTS, Perm.MANAGE_CHANNELS, Perm.MANAGE_WATCH}
    ),
    Role.REVIEWER: frozenset({Perm.VIEW, Perm.CHECK_TEXT, Perm.REVIEW_POSTS}),
    Role.VIEWER: frozenset({Perm.VIEW}),
}


def allows(role: str, perm: Perm) -> bool:
    return perm in PERMISSIONS.get(Role(role), frozenset())
