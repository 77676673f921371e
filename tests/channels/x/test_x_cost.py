"""What a post costs under X's pay-per-use pricing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kaiku.channels.base import OutgoingImage, OutgoingPost
from tests.channels.x.conftest import FastX, make_account
from tests.channels.x.server import XServer

Make = Callable[..., OutgoingPost]


def test_a_post_without_a_link_costs_the_basic_price(connector: FastX, make_post: Make) -> None:
    cost = connector.estimate_cost(make_post("Hyvää viikonloppua!"))

    assert cost.amount == Decimal("0.015")
    assert cost.currency == "USD"
    assert "link" in cost.note


def test_a_post_with_a_link_costs_more(connector: FastX, make_post: Make) -> None:
    in_text = connector.estimate_cost(make_post("Lue lisää: toivonpolku.fi/ryhmat"))
    as_field = connector.estimate_cost(make_post("Lue lisää", link="https://toivonpolku.fi"))

    assert in_text.amount == as_field.amount == Decimal("0.200")


def test_a_thread_is_one_cost_for_all_its_parts(connector: FastX, make_post: Make) -> None:
    post = make_post("1/3 Alku", "2/3 https://toivonpolku.fi", "3/3 Loppu")

    assert connector.estimate_cost(post).amount == Decimal("0.230")


def test_alt_texts_and_a_reply_check_are_counted(
    connector: FastX, make_post: Make, image: Callable[..., OutgoingImage]
) -> None:
    post = make_post("Kuvia", images=(image("Yksi"), image("Kaksi")), reply_to="123")

    # 0.015 post + 2 x 0.005 alt text + 0.005 reading the post replied to.
    assert connector.estimate_cost(post).amount == Decimal("0.030")


def test_prices_can_be_changed_in_the_account_settings(
    x: XServer, saved: list[dict[str, Any]], make_post: Make
) -> None:
    connector = FastX(
        make_account(
            x, saved, price_post="0.02", price_post_with_url=0.25, price_media_metadata="x"
        )
    )

    assert connector.estimate_cost(make_post("Hei")).amount == Decimal("0.02")
    assert connector.estimate_cost(make_post("https://a.fi")).amount == Decimal("0.25")
