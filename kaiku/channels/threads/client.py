"""The Threads API calls Kaiku makes (graph.threads.net), on a GraphClient holding a Threads
user token. Docs: https://developers.facebook.com/docs/threads/"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.meta.graph import GraphClient
from kaiku.channels.meta.models import (
    PostPage,
    Quota,
    Token,
    as_dict,
    parse_created,
    parse_post_page,
    parse_quota,
    parse_token,
)

GRAPH_URL = "https://graph.threads.net/v1.0"
TOKEN_URL = "https://graph.threads.net"  # /oauth/access_token, /access_token, /refresh_access_token
# https://developers.facebook.com/documentation/threads/get-started/get-access-tokens-and-permissions
# (updated Aug 12, 2026) shows threads.com; older pages show threads.net.
AUTHORIZE_URL = "https://threads.com/oauth/authorize"
POST_FIELDS = "id,text,timestamp,permalink,media_type"
REPLY_FIELDS = "id,text,timestamp,permalink,media_type,replied_to"
PAGE_SIZE = 25
CONTAINER_FIELDS = "status,error_message"  # troubleshooting page, container status


# https://developers.facebook.com/documentation/threads/get-started/get-access-tokens-and-permissions
# (Step 2: exchange the code for a short-lived token; the answer carries ``user_id``).
def exchange_code(
    graph: GraphClient, *, app_id: str, app_secret: str, redirect_uri: str, code: str
) -> Token:
    form = {
        "client_id": app_id,
        "client_secret": app_secret,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code": code,
    }
    return parse_token(graph.request("POST", "oauth/access_token", data=form, auth=False))


# https://developers.facebook.com/docs/threads/get-started/long-lived-tokens/
def long_lived(graph: GraphClient, *, app_secret: str, short_token: str) -> Token:
    params = {
        "grant_type": "th_exchange_token",
        "client_secret": app_secret,
        "access_token": short_token,
    }
    return parse_token(graph.request("GET", "access_token", params=params, auth=False))


# Same page: a long-lived token at least 24 hours old and not expired can be refreshed; the
# new one is valid for 60 days from the refresh.
def refresh(graph: GraphClient, token: str) -> Token:
    params = {"grant_type": "th_refresh_token", "access_token": token}
    return parse_token(graph.request("GET", "refresh_access_token", params=params, auth=False))


def profile(graph: GraphClient) -> tuple[str, str, str]:
    body = as_dict(graph.get("me", fields="id,username,name"), "profile")
    return str(body.get("id") or ""), str(body.get("username") or ""), str(body.get("name") or "")


# https://developers.facebook.com/docs/threads/overview/ (threads_publishing_limit; replies
# have their own quota, reply_quota_usage/reply_config: .../threads/retrieve-and-manage-replies)
def publishing_limit(graph: GraphClient, user_id: str, *, reply: bool) -> Quota:
    fields = "reply_quota_usage,reply_config" if reply else "quota_usage,config"
    return parse_quota(
        graph.get(f"{user_id}/threads_publishing_limit", fields=fields), replies=reply
    )


# https://developers.facebook.com/docs/threads/posts/ (Step 1) and
# https://developers.facebook.com/documentation/threads/reference/publishing (``reply_to_id``,
# ``children``), https://developers.facebook.com/documentation/threads/posts/accessibility
# (``alt_text``, images and videos only). A container is not a post (unpublished ones expire
# after 24 hours: troubleshooting page), so losing this answer is TRANSIENT.
def create_container(
    graph: GraphClient,
    user_id: str,
    *,
    media_type: str,
    text: str = "",
    image_url: str = "",
    alt_text: str = "",
    link_attachment: str = "",
    reply_to_id: str = "",
    children: Sequence[str] = (),
    carousel_item: bool = False,
) -> str:
    form = {"media_type": media_type}
    for name, value in (
        ("text", text),
        ("image_url", image_url),
        ("alt_text", alt_text),
        ("link_attachment", link_attachment),
        ("reply_to_id", reply_to_id),
        ("children", ",".join(children)),
    ):
        if value:
            form[name] = value
    if carousel_item:
        form["is_carousel_item"] = "true"
    refused = "media" if image_url else "invalid"
    return parse_created(graph.request("POST", f"{user_id}/threads", data=form, refused=refused)).id


# https://developers.facebook.com/docs/threads/troubleshooting (status, error_message)
def wait_until_finished(
    graph: GraphClient, container_id: str, *, interval: float, max_wait: float
) -> None:
    graph.wait_for_container(
        container_id, fields=CONTAINER_FIELDS, interval=interval, max_wait=max_wait
    )


# https://developers.facebook.com/docs/threads/posts/ (Step 2: threads_publish, creation_id)
def publish(graph: GraphClient, user_id: str, container_id: str) -> str:
    body = graph.request(
        "POST", f"{user_id}/threads_publish", data={"creation_id": container_id}, unsafe=True
    )
    try:
        return parse_created(body).id
    except ChannelError as exc:
        raise ChannelError(Failure.UNKNOWN_OUTCOME, "unexpected", exc.detail) from exc


# https://developers.facebook.com/docs/threads/threads-media (GET /{user}/threads, ``since``)
# and .../retrieve-and-manage-replies (GET /{user}/replies, ``replied_to``).
def recent(
    graph: GraphClient, user_id: str, *, replies: bool, since: datetime | None, after: str = ""
) -> PostPage:
    params: dict[str, str | int] = {
        "fields": REPLY_FIELDS if replies else POST_FIELDS,
        "limit": PAGE_SIZE,
    }
    if since is not None:
        params["since"] = int(since.timestamp())
    if after:
        params["after"] = after
    edge = "replies" if replies else "threads"
    return parse_post_page(graph.request("GET", f"{user_id}/{edge}", params=params))


def permalink(graph: GraphClient, media_id: str) -> str:
    body = as_dict(graph.get(media_id, fields="permalink"), "thread")
    value = body.get("permalink")
    return value if isinstance(value, str) else ""


# https://developers.facebook.com/docs/threads/posts/delete-posts (DELETE /{threads-media-id})
def delete(graph: GraphClient, media_id: str) -> None:
    graph.request("DELETE", media_id)
