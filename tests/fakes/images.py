from __future__ import annotations

import io

from PIL import Image


def tiny_png(size: tuple[int, int] = (16, 9)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 10, 80)).save(buffer, format="PNG")
    return buffer.getvalue()
