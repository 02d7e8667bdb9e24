"""The sound tests' fixtures: a real PulseAudio server with a null sink
(``pulse_server``) and a recording of its monitor (``recorder``). The
machinery is bench/audio_components.py, shared with the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from audio_components import RATE, PulseServer, Recorder, Recording, Sound

__all__ = ["RATE", "PulseServer", "Recorder", "Recording", "Sound", "pulse_server", "recorder"]


@pytest.fixture
def pulse_server() -> Iterator[PulseServer]:
    server = PulseServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def recorder(pulse_server: PulseServer) -> Iterator[Recorder]:
    recording = Recorder(pulse_server)
    try:
        yield recording
    finally:
        if recording.process.poll() is None:
            recording.stop()
