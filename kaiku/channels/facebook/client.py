"""The Page API calls Kaiku makes, on a GraphClient holding a Page access token."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.meta.graph import GraphClient
from kaiku.channels.meta.models import (
    Created,
    PostPage,
    as_dict,
    parse_created,
    parse_post_page,
)

POST_FIELDS = "id,message,created_time,permalink_url"
PAGE_SIZE = 25


# https://developers.facebook.com/docs/graph-api/photo-uploads/ (a photo as a file, published
# =false so that it becomes part of a multi-photo post) and
# https://developers.facebook.com/docs/graph-api/reference/photo/ (``alt_text_custom``: the
# Photo reference lists it as a field; that it is accepted when uploading follows from that
# page as others quote it; we could not read the creation parameters ourselves).
def upload_photo(
    graph: GraphClient, page_id: str, data: bytes, *, filename: str, mime: str, alt_text: str
) -> str:
    form = {"published": "false"}
    if alt_text:
        form["alt_text_custom"] = alt_text
    # An unpublished photo left behind by a failed post is not visible to anyone, so losing
    # the answer here is TRANSIENT, not UNKNOWN_OUTCOME.
    body = graph.request(
        "POST",
        f"{page_id}/photos",
        data=form,
        files={"source": (filename, data, mime)},
        refused="media",
    )
    return parse_created(body).id


# https://developers.facebook.com/docs/graph-api/reference/page/feed (Publishing)
def create_post(
    graph: GraphClient,
    page_id: str,
    message: str,
    *,
    link: str | None = None,
    photo_ids: Sequence[str] = (),
) -> Created:
    form: dict[str, str] = {"message": message}
    if link:
        form["link"] = link
    for i, photo_id in enumerate(photo_ids):
        form[f"attached_media[{i}]"] = json.dumps({"media_fbid": photo_id})
    body = graph.request("POST", f"{page_id}/feed", data=form, unsafe=True)
    try:
        return parse_created(body)
    except ChannelError as exc:  # a 2xx we cannot read: the post most likely exists
        raise ChannelError(Failure.UNKNOWN_OUTCOME, "unexpected", exc.detail) from exc


# https://developers.facebook.com/docs/graph-api/reference/page/feed (Reading; /posts is the
# same edge limited to the Page's own posts) with time-based paging (``since``).
def page_posts(
    graph: GraphClient, page_id: str, *, since: datetime | None, after: str = ""
) -> PostPage:
    params: dict[str, str | int] = {"fields": POST_FIELDS, "limit": PAGE_SIZE}
    if since is not None:
        params["since"] = int(since.timestamp())
    if after:
        params["after"] = after
    return parse_post_page(graph.request("GET", f"{page_id}/posts", params=params))


# https://developers.facebook.com/docs/graph-api/reference/pagepost (Reading)
def permalink(graph: GraphClient, post_id: str) -> str:
    body = as_dict(graph.get(post_id, fields="permalink_url"), "post")
    value = body.get("permalink_url")
    return value if isinstance(value, str) else ""


# https://developers.facebook.com/docs/graph-api/reference/pagepost (Deleting)
def delete_post(graph: GraphClient, post_id: str) -> None:
    graph.request("DELETE", post_id)
