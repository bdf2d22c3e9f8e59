"""Generated images on disk under MEDIA_DIR; the database keeps their relative paths."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    async def save(self, relative: str, data: bytes) -> str:
        path = self.root / relative
        await asyncio.to_thread(self._write, path, data)
        return relative

    def path(self, relative: str) -> Path:
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            msg = f"{relative!r} is outside the media directory"
            raise ValueError(msg)
        return resolved

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Whole or not at all: written aside under a name of its own (two writers of one
        file, e.g. two first requests for a thumbnail, never share it), then renamed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        temporary.write_bytes(data)
        temporary.replace(path)
