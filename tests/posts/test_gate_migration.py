"""The gate's migration: deliveries scheduled before it still go out, unless their words hold
a privacy finding that blocks (those wait for a person to send them again)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.posts.conftest import settle

BEFORE = ("posts", "0001_initial")


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@pytest.mark.django_db(transaction=True)
def test_scheduled_deliveries_are_stamped_unless_their_words_are_flagged(
    org: Any, members: Any
) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    account = old.get_model("posts", "ChannelAccount").objects.create(
        organisation_id=org.pk,
        platform="feed",
        handle=org.slug,
        settings={"organisation": org.slug},
    )
    post_model = old.get_model("posts", "Post")
    delivery_model = old.get_model("posts", "Delivery")
    made = {}
    for name, text, override in [
        ("clean", "Avoimet ovet torstaina.", ""),
        ("variant", "Avoimet ovet torstaina.", "Asiakkaamme Matti Virtanen sairastaa masennusta."),
    ]:
        post = post_model.objects.create(
            organisation_id=org.pk, text=text, state="scheduled", link="https://example.org/ovet"
        )
        made[name] = delivery_model.objects.create(
            post=post,
            account=account,
            text_override=override,
            parts=[override or text],
            state="scheduled",
        ).pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from kaiku.posts import gate
    from kaiku.publishing import engine
    from kaiku.publishing.models import Delivery
    from kaiku.site.models import FeedEntry

    for pk in made.values():
        engine.schedule_delivery(Delivery.objects.get(pk=pk))
    clean = Delivery.objects.select_related("post").get(pk=made["clean"])
    # The migration's stamp is the one the engine computes: the delivery still goes out.
    assert clean.gate_stamp == gate.stamp(engine.outgoing_for(clean))
    assert Delivery.objects.get(pk=made["variant"]).gate_stamp == ""
    settle()
    assert Delivery.objects.get(pk=made["clean"]).state == Delivery.State.PUBLISHED
    flagged = Delivery.objects.get(pk=made["variant"])
    assert (flagged.held, flagged.last_error_code) == (True, "gate_not_checked")
    assert list(FeedEntry.objects.values_list("text", flat=True)) == ["Avoimet ovet torstaina."]
