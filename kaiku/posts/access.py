"""The posts, deliveries and images a view may load by id: those of the request's
organisation, else 404 (see ``kaiku.organisations.access.owned``)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from kaiku.organisations.access import KaikuRequest, owned
from kaiku.posts.models import Post, PostImage
from kaiku.publishing.models import Delivery


def post_for(
    request: KaikuRequest, post_id: UUID | str, found_in: QuerySet[Post] | None = None
) -> Post:
    """A post of the organisation that has not been deleted, or 404."""
    return owned(request, found_in or Post.objects.all(), public_id=post_id, deleted_at=None)


def delivery_for(request: KaikuRequest, post: Post, delivery_id: UUID) -> Delivery:
    """A delivery of ``post`` (itself a post of the organisation), or 404."""
    return owned(request, Delivery, via="post__organisation", post=post, public_id=delivery_id)


def image_for(request: KaikuRequest, image_id: int) -> PostImage:
    """An image of a post of the organisation that has not been deleted, or 404."""
    return owned(request, PostImage, via="post__organisation", pk=image_id, post__deleted_at=None)
