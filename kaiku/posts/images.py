"""Checking uploaded images against every chosen account's limits, and storing them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kaiku.connections.models import ChannelAccount
from kaiku.posts.models import Post, PostImage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    file: UploadedFile[bytes]
    alt_text: str
    mime: str
    width: int | None = None
    height: int | None = None
    # Why the image cannot be used at all, whatever the channels ('' when it can).
    problem: str = ""


# The stored file's extension comes from the type Pillow found, never from the uploaded name
# (a "photo.jpg" that is a PNG is stored as .png, and "x.html" that is a PNG is not .html).
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def inspect(file: UploadedFile[bytes], alt_text: str) -> Upload:
    """Read the real type and size of an image (the browser's claim is not trusted)."""
    mime = (file.content_type or "").lower()
    width = height = None
    name = file.name or ""
    if (file.size or 0) > settings.KAIKU_IMAGE_MAX_BYTES:
        return Upload(
            file=file,
            alt_text=alt_text,
            mime=mime,
            problem=_("The image %(file)s is %(size)s; Kaiku accepts at most %(max)s.")
            % {
                "file": name,
                "size": filesizeformat(file.size or 0),
                "max": filesizeformat(settings.KAIKU_IMAGE_MAX_BYTES),
            },
        )
    too_many_pixels = _(
        "The image %(file)s has too many pixels (at most %(max)d million): make it smaller."
    ) % {"file": name, "max": settings.KAIKU_IMAGE_MAX_PIXELS // 1_000_000}
    try:
        file.seek(0)
        with Image.open(file) as img:
            width, height = img.size
            mime = Image.MIME.get(img.format or "", "application/octet-stream")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # A few kilobytes that claim gigapixels: Pillow refuses to decode them (the warning is
        # an exception where warnings are errors). Such a file is refused, never a server error.
        return Upload(file=file, alt_text=alt_text, mime=mime, problem=too_many_pixels)
    except (UnidentifiedImageError, OSError, ValueError):
        mime = "application/octet-stream"
    finally:
        file.seek(0)
    if (
        width is not None
        and height is not None
        and width * height > settings.KAIKU_IMAGE_MAX_PIXELS
    ):
        return Upload(file=file, alt_text=alt_text, mime=mime, problem=too_many_pixels)
    return Upload(file=file, alt_text=alt_text, mime=mime, width=width, height=height)


def _type_name(mime: str) -> str:
    return mime.split("/")[-1].upper() if mime.startswith("image/") else _("unknown")


def problems(uploads: Sequence[Upload], kept: int, accounts: Sequence[ChannelAccount]) -> list[str]:
    """What keeps these images (and ``kept`` earlier ones) from going to the accounts."""
    found: list[str] = [up.problem for up in uploads if up.problem]
    uploads = [up for up in uploads if not up.problem]
    total = kept + len(uploads)
    for account in accounts:
        limits = account.connector().limits()
        name = account.label
        if total > limits.max_images:
            found.append(
                _("%(platform)s accepts at most %(max)d images in a post; the post has %(n)d.")
                % {"platform": name, "max": limits.max_images, "n": total}
            )
        for up in uploads:
            if up.mime not in limits.image_types:
                found.append(
                    _(
                        "%(platform)s does not accept the image %(file)s (type %(type)s). "
                        "Accepted types: %(types)s."
                    )
                    % {
                        "platform": name,
                        "file": up.file.name,
                        "type": _type_name(up.mime),
                        "types": ", ".join(_type_name(t) for t in limits.image_types),
                    }
                )
            if (up.file.size or 0) > limits.image_max_bytes:
                found.append(
                    _("The image %(file)s is %(size)s; %(platform)s accepts at most %(max)s.")
                    % {
                        "platform": name,
                        "file": up.file.name,
                        "size": filesizeformat(up.file.size or 0),
                        "max": filesizeformat(limits.image_max_bytes),
                    }
                )
            if len(up.alt_text) > limits.alt_text_max:
                found.append(
                    _("The alt text of %(file)s is too long for %(platform)s (at most %(max)d).")
                    % {"platform": name, "file": up.file.name, "max": limits.alt_text_max}
                )
    if not accounts:
        found.extend(
            _("The image %(file)s is not an image Kaiku can read.") % {"file": up.file.name}
            for up in uploads
            if not up.mime.startswith("image/")
        )
    return found


def store(
    post: Post, uploads: Sequence[Upload], written: list[str] | None = None
) -> list[PostImage]:
    """Store the uploads as the post's images; the name of every file written is appended to
    ``written`` at once, so that a transaction that fails later can remove them."""
    start = (post.images.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    stored = []
    for offset, up in enumerate(uploads):
        up.file.name = f"image.{EXTENSIONS.get(up.mime, 'bin')}"
        image = PostImage(
            post=post,
            file=up.file,
            mime=up.mime,
            size_bytes=up.file.size or 0,
            width=up.width,
            height=up.height,
            alt_text=up.alt_text.strip(),
            position=start + offset,
        )
        # The file is written first (FieldFile.save without the row), then the row.
        image.file.save(up.file.name, up.file, save=False)
        if written is not None:
            written.append(str(image.file.name))
        image.save()
        stored.append(image)
    return stored
