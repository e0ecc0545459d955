"""Images arrive as `data:image/...;base64,...` URIs only: no remote URLs, so no SSRF."""

from __future__ import annotations

import base64
import binascii
import io
import re

from PIL import Image, UnidentifiedImageError

_DATA_URI = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp);base64,", re.IGNORECASE)


class ImageRefused(ValueError):
    """Why an image cannot be judged; the item becomes `invalid` with this message."""


def check_image(uri: str, max_bytes: int, max_pixels: int) -> bytes:
    """Decoded bytes of a valid image data URI of at most `max_pixels` (declared), or `ImageRefused`."""
    if not uri.startswith("data:"):
        raise ImageRefused("images must be data:image/...;base64 URIs; remote URLs are not fetched")
    match = _DATA_URI.match(uri)
    if not match:
        raise ImageRefused("unsupported data URI: expected data:image/(png|jpeg|gif|webp);base64,...")
    encoded = uri[match.end() :]
    if len(encoded) * 3 // 4 > max_bytes:
        raise ImageRefused(f"image larger than {max_bytes} bytes")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused("image is not valid base64") from None
    if len(data) > max_bytes:
        raise ImageRefused(f"image of {len(data)} bytes (limit {max_bytes})")
    try:
        with Image.open(io.BytesIO(data)) as image:
            # The header's size, before any pixel is decoded: a small file can declare a huge image.
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRefused(f"image of {width}x{height} pixels (limit {max_pixels} pixels)")
            image.verify()
    except ImageRefused:
        raise
    except Image.DecompressionBombError:
        raise ImageRefused(f"image declares more than {max_pixels} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRefused("bytes are not a readable image") from None
    return data
