"""Helpers of the publishing page tests: a fake platform driven through the real registry."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx
from django.utils import timezone

from kaiku.channels import registry
from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    ConnectField,
    Connector,
    Failure,
    Limits,
    OutgoingPost,
    PublishedPart,
    Redirect,
)

ROLES = ("admin", "editor", "reviewer", "viewer", "outsider")


class FakeConnector(Connector):
    """A platform with a form-driven connect flow, OAuth when asked, threads and small limits."""

    platform: ClassVar[str] = "fake"
    label: ClassVar[str] = "Fakebook"
    connect_fields: ClassVar[tuple[ConnectField, ...]] = (
        ConnectField(name="server", label="Server address", kind="url"),
    )
    default_limits: ClassVar[Limits] = Limits(
        max_chars=60,
        counter="mastodon",
        max_images=1,
        image_max_bytes=3000,
        image_types=("image/png",),
        threads=True,
        max_thread_parts=3,
        client_link_card=True,
    )
    published: ClassVar[list[tuple[str, int, str]]] = []

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> AccountSetup | Redirect:
        server = data["server"]
        if "broken" in server:
            raise ChannelError(Failure.PERMANENT, "invalid", "no such server")
        if "down" in server:
            raise httpx.ConnectError("connection refused")
        if "busy" in server:
            raise ChannelError(Failure.TRANSIENT, "server_error", "503")
        if "oauth" in server:
            return Redirect(
                url="https://fake.example/authorize?state=s3cret",
                state={"oauth_state": "s3cret", "server": server, "callback": callback_url},
            )
        return AccountSetup(
            handle="@kaiku@fake.example",
            display_name="Kaiku testi",
            base_url=server,
            credentials={"access_token": "form-token"},
        )

    @classmethod
    def finish_connect(
        cls, state: Mapping[str, Any], query: Mapping[str, str], callback_url: str
    ) -> AccountSetup:
        if query.get("state") != state.get("oauth_state"):
            raise ChannelError(Failure.PERMANENT, "state_mismatch", "state differs")
        if query.get("error"):
            raise ChannelError(Failure.PERMANENT, "authorization_denied", query["error"])
        return AccountSetup(
            handle="@oauth@fake.example",
            display_name="OAuth-tili",
            base_url=str(state["server"]),
            credentials={"access_token": "oauth-token"},
            expires_at=timezone.now() + timedelta(days=60),
        )

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        FakeConnector.published.append((post.key, index, post.parts[index]))
        return PublishedPart(index, f"{post.key}-{index}", f"https://fake.example/p/{index}")

    def reconcile(self, post: OutgoingPost, index: int) -> PublishedPart | None:
        return None


def install_fake(monkeypatch: Any, *, broken: bool = False) -> None:
    """Put the fake platform (and, with ``broken``, one whose connector cannot be imported)
    into the registry for one test."""
    monkeypatch.setitem(registry.CONNECTOR_PATHS, "fake", "tests.posts.view_helpers:FakeConnector")
    monkeypatch.delitem(registry._loaded, "fake", raising=False)
    if broken:
        monkeypatch.setitem(registry.CONNECTOR_PATHS, "broken", "tests.posts.no_such_module:X")
        monkeypatch.delitem(registry._loaded, "broken", raising=False)
    FakeConnector.published = []


def fake_account(org: Any, **kw: Any) -> Any:
    from kaiku.connections.models import ChannelAccount

    return ChannelAccount.objects.create(
        organisation=org,
        platform="fake",
        handle=kw.pop("handle", "@kaiku@fake.example"),
        display_name=kw.pop("display_name", "Kaiku testi"),
        **kw,
    )


def png_bytes(width: int = 4, height: int = 3, *, noise: int = 0) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (width, height), (10, 110, 105))
    if noise:
        import random

        rng = random.Random(noise)
        img.putdata(
            [
                (rng.randrange(256), rng.randrange(256), rng.randrange(256))
                for _ in range(width * height)
            ]
        )
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (5, 5), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def stamp_as_checked(delivery: Any) -> None:
    """A delivery a test writes straight to the database stands for one the safety gate
    checked: stamp its outgoing texts as the services do (kaiku.posts.services._schedule)."""
    from kaiku.posts import gate
    from kaiku.publishing import engine
    from kaiku.publishing.models import Delivery

    delivery = Delivery.objects.select_related("post", "account").get(pk=delivery.pk)
    stamp = gate.stamp(engine.outgoing_for(delivery))
    Delivery.objects.filter(pk=delivery.pk).update(gate_stamp=stamp)
