"""The Instagram Content Publishing calls (Instagram API with Facebook Login, graph.facebook.com)
on a GraphClient. Guide: https://developers.facebook.com/docs/instagram-platform/content-publishing/
"""

from __future__ import annotations

from datetime import datetime

from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.meta.graph import GraphClient
from kaiku.channels.meta.models import (
    PostPage,
    Quota,
    as_dict,
    parse_created,
    parse_post_page,
    parse_quota,
)

MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type,children"
CONTAINER_FIELDS = "status_code,status"  # IG Container reference
PAGE_SIZE = 25


# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit/
def publishing_limit(graph: GraphClient, ig_user_id: str) -> Quota:
    body = graph.get(f"{ig_user_id}/content_publishing_limit", fields="quota_usage,config")
    return parse_quota(body)


# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
# (POST). ``alt_text`` for images since March 24, 2025 (content-publishing guide); the guide
# names image posts, and does not say whether carousel items take it: Kaiku sends it on each
# image container, carousel items included.
def image_container(
    graph: GraphClient,
    ig_user_id: str,
    image_url: str,
    *,
    caption: str = "",
    alt_text: str = "",
    carousel_item: bool = False,
) -> str:
    form = {"image_url": image_url}
    if carousel_item:
        form["is_carousel_item"] = "true"
    elif caption:
        form["caption"] = caption
    if alt_text:
        form["alt_text"] = alt_text
    # A container is not a post: an unpublished one expires after 24 hours (IG Container
    # reference, status EXPIRED), so losing this answer is TRANSIENT.
    return parse_created(
        graph.request("POST", f"{ig_user_id}/media", data=form, refused="media")
    ).id


def carousel_container(
    graph: GraphClient, ig_user_id: str, children: list[str], caption: str
) -> str:
    form = {"media_type": "CAROUSEL", "children": ",".join(children)}
    if caption:
        form["caption"] = caption
    return parse_created(
        graph.request("POST", f"{ig_user_id}/media", data=form, refused="media")
    ).id


# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
def wait_until_finished(
    graph: GraphClient, container_id: str, *, interval: float, max_wait: float
) -> None:
    graph.wait_for_container(
        container_id, fields=CONTAINER_FIELDS, interval=interval, max_wait=max_wait
    )


# https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-user/media_publish
def publish(graph: GraphClient, ig_user_id: str, container_id: str) -> str:
    body = graph.request(
        "POST", f"{ig_user_id}/media_publish", data={"creation_id": container_id}, unsafe=True
    )
    try:
        return parse_created(body).id
    except ChannelError as exc:
        raise ChannelError(Failure.UNKNOWN_OUTCOME, "unexpected", exc.detail) from exc


# https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
# (GET: the account's media, newest first, with ``since`` for time-based paging).
def recent_media(
    graph: GraphClient, ig_user_id: str, *, since: datetime | None, after: str = ""
) -> PostPage:
    params: dict[str, str | int] = {"fields": MEDIA_FIELDS, "limit": PAGE_SIZE}
    if since is not None:
        params["since"] = int(since.timestamp())
    if after:
        params["after"] = after
    return parse_post_page(graph.request("GET", f"{ig_user_id}/media", params=params))


def permalink(graph: GraphClient, media_id: str) -> str:
    body = as_dict(graph.get(media_id, fields="permalink"), "media")
    value = body.get("permalink")
    return value if isinstance(value, str) else ""
