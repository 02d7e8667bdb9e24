"""What ``status`` says of sound while no session has any: from the
settings alone, so the daemon answers it without loading the player client
(and without opening a file, even when it is out of descriptors)."""

from __future__ import annotations

from typing import Any, Protocol


class _Settings(Protocol):
    @property
    def cues(self) -> bool: ...
    @property
    def voice(self) -> bool: ...


def idle_status(settings: _Settings) -> dict[str, Any]:
    """``status`` of sound while no session has any."""
    return {
        "state": "idle" if settings.cues or settings.voice else "off",
        "cues": settings.cues,
        "voice": settings.voice,
        "output": None,
        "engine": None,
        "error": None,
    }
