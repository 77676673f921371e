"""The dashboard says what to do: first steps until they are done, then what waits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.core.dashboard import dashboard, first_steps
from kaiku.organisations.models import AuditEvent, Invitation, Membership
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from kaiku.watch.models import Item, Source

pytestmark = pytest.mark.django_db

URL = "/o/toivon-polku/"


def _done(org: Any) -> dict[str, bool]:
    return {s.key: s.done for s in first_steps(org)}


def _account(org: Any, handle: str = "toivon-polku", **kw: Any) -> ChannelAccount:
    return ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=handle, settings={"organisation": handle}, **kw
    )


def test_a_new_organisation_has_four_first_steps_none_done_each_with_its_page(org: Any) -> None:
    steps = first_steps(org)
    assert [s.key for s in steps] == ["channel", "sources", "reviewer", "approval"]
    assert not any(s.done for s in steps)
    assert [s.url for s in steps] == [
        "/o/toivon-polku/channels/",
        "/o/toivon-polku/watch/sources/",
        "/o/toivon-polku/members/",
        "/o/toivon-polku/settings/",
    ]


def test_each_first_step_is_ticked_by_what_does_it(org: Any, other_org: Any) -> None:
    from tests.conftest import make_user

    # Another organisation's progress ticks nothing here.
    _account(other_org, handle="muu")
    Source.objects.create(organisation=other_org, kind="feed", url="https://muu.example/f.xml")
    AuditEvent.objects.create(organisation=other_org, action="organisation.settings_changed")
    assert not any(_done(org).values())

    # A channel that needs reconnecting is not yet a connected channel.
    account = _account(org, status=ChannelAccount.Status.NEEDS_RECONNECT)
    assert not _done(org)["channel"]
    account.status = ChannelAccount.Status.ACTIVE
    account.save()
    assert _done(org)["channel"]

    Source.objects.create(organisation=org, kind="feed", url="https://uutiset.example/f.xml")
    assert _done(org)["sources"]

    # An editor is not a reviewer; an expired invitation is not one either.
    Membership.objects.create(organisation=org, user=make_user("kirjoittaja"), role="editor")
    Invitation.objects.create(
        organisation=org,
        email="vanha@example.test",
        role="reviewer",
        expires_at=timezone.now() - timedelta(days=1),
    )
    assert not _done(org)["reviewer"]
    Invitation.objects.create(organisation=org, email="tarkastaja@example.test", role="reviewer")
    assert _done(org)["reviewer"]

    assert not _done(org)["approval"]
    org.approval_required = True
    org.save()
    assert _done(org)["approval"]
    org.approval_required = False
    org.save()
    assert not _done(org)["approval"]
    # Saving the settings with approval off is a choice too.
    AuditEvent.objects.create(organisation=org, action="organisation.settings_changed")
    assert all(_done(org).values())


def test_the_first_steps_card_goes_when_all_are_done(client_for: Any, org: Any) -> None:
    client = client_for("admin")  # the members fixture already has a reviewer
    assert 'id="dash-steps"' in client.get(URL).content.decode()
    _account(org)
    Source.objects.create(organisation=org, kind="feed", url="https://uutiset.example/f.xml")
    AuditEvent.objects.create(organisation=org, action="organisation.settings_changed")
    assert 'id="dash-steps"' not in client.get(URL).content.decode()


def test_only_admins_see_the_first_steps(client_for: Any) -> None:
    assert 'id="dash-steps"' not in client_for("editor").get(URL).content.decode()


def _post(org: Any, author: Any, account: Any, *, state: str, when: Any, **delivery: Any) -> Post:
    post = Post.objects.create(
        organisation=org, author=author, text=f"Julkaisu {when:%d.%m. %H.%M}", state=state
    )
    Post.objects.filter(pk=post.pk).update(scheduled_at=when)
    post.refresh_from_db()
    Delivery.objects.create(post=post, account=account, **delivery)
    return post


def test_the_dashboard_lists_what_waits_for_this_person(org: Any, members: Any) -> None:
    now = timezone.now()
    account = _account(org)
    broken = _account(org, handle="rikki", status=ChannelAccount.Status.NEEDS_RECONNECT)
    mine = _post(org, members["reviewer"], account, state="in_review", when=now + timedelta(days=3))
    theirs = _post(org, members["editor"], account, state="in_review", when=now + timedelta(days=3))
    failed = _post(org, members["editor"], account, state="scheduled", when=now)
    held = _post(org, members["editor"], broken, state="scheduled", when=now + timedelta(days=20))
    Delivery.objects.filter(post=failed).update(state="failed")
    Delivery.objects.filter(post=held).update(state="scheduled", held=True)
    later = _post(org, members["editor"], account, state="scheduled", when=now + timedelta(days=30))

    reviewer = Membership.objects.get(organisation=org, user=members["reviewer"])
    seen = dashboard(org, reviewer)
    # Not their own post: a reviewer does not approve their own words.
    assert seen["to_review"] == [theirs]
    assert mine not in seen["to_review"]
    assert seen["reconnect"] == [broken]
    assert {d.post for d in seen["trouble"]} == {failed, held}
    assert failed in seen["today"] or failed in seen["this_week"]
    assert later not in seen["today"] + seen["this_week"]
    assert later in seen["later"]
    assert seen["steps"] == []
    editor = Membership.objects.get(organisation=org, user=members["editor"])
    assert dashboard(org, editor)["to_review"] == []


def test_the_worker_card_shows_only_to_admins_and_only_when_unhealthy(client_for: Any) -> None:
    from kaiku.jobs.models import WorkerHeartbeat

    # No worker has run: the admin is told, the editor is not.
    assert 'id="dash-health"' in client_for("admin").get(URL).content.decode()
    assert 'id="dash-health"' not in client_for("editor").get(URL).content.decode()
    assert client_for("editor").get(URL + "?health=1").content.decode().count("worker-health") == 0
    WorkerHeartbeat.objects.create(worker_id="w1", last_seen=timezone.now())
    assert 'id="dash-health"' not in client_for("admin").get(URL).content.decode()


def test_the_dashboard_makes_the_same_number_of_queries_however_many_rows(
    client_for: Any, org: Any, members: Any
) -> None:
    client = client_for("admin")
    account = _account(org)
    now = timezone.now()

    def add(n: int) -> None:
        for i in range(n):
            _post(org, members["editor"], account, state="in_review", when=now + timedelta(hours=i))
            _post(org, members["editor"], account, state="scheduled", when=now)
            Item.objects.create(
                organisation=org,
                guid=f"https://uutiset.example/{Item.objects.count()}",
                title="Uutinen",
                platform="feed",
                published_at=now,
            )
        Delivery.objects.filter(post__state="scheduled").update(state="failed")

    add(1)
    client.get(URL)  # the first visit seeds what a session keeps
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    add(15)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert response.status_code == 200
    print(f"dashboard queries: {len(few)} with 1 row of each, {len(many)} with 16")
    assert len(many) == len(few), [q["sql"][:90] for q in many.captured_queries]
    # 5 for the session, the user and the membership, 8 for the lists and the first steps, 5
    # for the worker's health (admins only).
    assert len(many) <= 19


def test_needs_attention_is_this_organisations_failed_and_held_deliveries_newest_first(
    org: Any, other_org: Any, members: Any
) -> None:
    """Every delivery state, held or not, in this organisation and another, and on a deleted
    post: the list (read per account of the organisation since reqcpu2) holds exactly the
    live posts' deliveries of this organisation that failed or are held while pending,
    latest error first, as the query it replaced did."""
    from kaiku.core.dashboard import trouble_deliveries
    from kaiku.publishing.engine import PENDING

    now = timezone.now()
    mine, theirs = _account(org), _account(other_org, handle="muu")
    n = 0
    for account, owner in ((mine, org), (theirs, other_org)):
        for state in Delivery.State.values:
            for held in (False, True):
                n += 1
                post = _post(owner, members["editor"], account, state="scheduled", when=now)
                Delivery.objects.filter(post=post).update(
                    state=state, held=held, last_error_at=now - timedelta(minutes=n * 7 % 50)
                )
    gone = _post(org, members["editor"], mine, state="scheduled", when=now)
    Delivery.objects.filter(post=gone).update(state="failed", last_error_at=now)
    Post.objects.filter(pk=gone.pk).update(deleted_at=now)

    expected = [
        d
        for d in Delivery.objects.filter(post__organisation=org, post__deleted_at=None)
        if d.state == Delivery.State.FAILED or (d.held and d.state in PENDING)
    ]
    expected.sort(key=lambda d: (d.last_error_at, d.pk), reverse=True)
    got = list(trouble_deliveries(org))
    assert [d.pk for d in got] == [d.pk for d in expected]
    assert len(got) == 2 + len(PENDING)  # failed, held or not; the held pending ones
    assert all(d.post.organisation_id == org.pk for d in got)
