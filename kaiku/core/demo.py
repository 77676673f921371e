"""A demo organisation with synthetic people, for trying Kaiku out (``kaiku serve --demo``).

Every name here is invented. Running it again is safe: it finds what exists, adds what is
missing, and gives the demo admin a new password (the only one printed, so the only way in).
Later features add their demo content by extending ``create_demo``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kaiku.accounts.models import User
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Membership, Organisation
from kaiku.organisations.roles import Role
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.watch.features.topics import seed_topics

DEMO_ORGANISATION = "Toivon Polku ry"
DEMO_SLUG = "toivon-polku"
DEMO_ADMIN = "demo"
# (username, first name, last name, role): the colleagues the demo admin works with.
DEMO_COLLEAGUES = (
    ("aino.demo", "Aino", "Virtanen", Role.EDITOR),
    ("eero.demo", "Eero", "Korhonen", Role.REVIEWER),
)


def _person(username: str, first_name: str, last_name: str) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.invalid",
            "language": "fi",
        },
    )
    return user


@transaction.atomic
def create_demo() -> tuple[Organisation, str, str]:
    """The demo organisation, the demo admin's username and a fresh password for them."""
    org, _created = Organisation.objects.get_or_create(
        slug=DEMO_SLUG, defaults={"name": DEMO_ORGANISATION}
    )
    admin = _person(DEMO_ADMIN, "Demo", "Käyttäjä")
    password = secrets.token_urlsafe(12)
    admin.set_password(password)
    admin.save(update_fields=["password"])
    Membership.objects.get_or_create(organisation=org, user=admin, defaults={"role": Role.ADMIN})
    for username, first_name, last_name, role in DEMO_COLLEAGUES:
        colleague = _person(username, first_name, last_name)
        if colleague.has_usable_password():
            # Colleagues show the roles at work; only the demo admin signs in.
            colleague.set_unusable_password()
            colleague.save(update_fields=["password"])
        Membership.objects.get_or_create(organisation=org, user=colleague, defaults={"role": role})
    _demo_posts(org)
    seed_topics(org)  # the watch's default topics, as an organisation's first source brings
    return org, DEMO_ADMIN, password


# Synthetic posts: one already out on the own feed, one scheduled, one waiting for review.
DEMO_POSTS = (
    (
        "Avoimet ovet torstaina klo 14–17! Tule tutustumaan kuntoutuskotiin, "
        "keitämme kahvit ja kerromme toiminnastamme.",
        -timedelta(days=1),
    ),
    (
        "Vertaistukiryhmä kokoontuu taas tiistaisin. Ryhmä on avoin kaikille, jotka "
        "haluavat puhua päihteistä ja toipumisesta turvallisessa seurassa. #vertaistuki",
        timedelta(days=2, hours=3),
    ),
)


def _demo_posts(org: Organisation) -> None:
    feed, _created = ChannelAccount.objects.get_or_create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        defaults={"display_name": org.name, "settings": {"organisation": org.slug}},
    )
    if Post.objects.filter(organisation=org).exists():
        return
    author = User.objects.get(username=DEMO_COLLEAGUES[0][0])
    for text, offset in DEMO_POSTS:
        draft = services.Draft(text=text, accounts=[feed], scheduled_at=timezone.now() + offset)
        services.submit(services.save_draft(org, author, draft), None)
    # A client's story: the check asks for a reviewer, who records the client's consent.
    story = services.Draft(
        text="Asiakkaamme Ville Esimerkki kertoo, miten korvaushoito auttoi hänet takaisin "
        "töihin. Kiitos, että sait jakaa tarinasi!",
        accounts=[feed],
        scheduled_at=timezone.now() + timedelta(days=4),
    )
    services.submit(services.save_draft(org, author, story), None)
