"""``reminder report --html``: a self-contained page that a real browser renders.

The history is written through the real SQLite History and read back; the page
is parsed with html.parser and rendered by headless Chromium (Debian package
``chromium``), whose screenshot is decoded to check the charts were drawn.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.history import record_completed

from reminder.config.load import Config, parse_config
from reminder.paths import Paths
from reminder.progress.advice import Advice, relief_advice
from reminder.progress.history import History
from reminder.progress.report import html_report
from reminder.progress.stats import Stats, compute
from reminder.schema.tomlfile import parse

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2025, 6, 18, 20, 0, tzinfo=BERLIN)
WIDTH, HEIGHT = 1000, 1400
CHROMIUM_TIMEOUT = 60

CONFIG = """
[settings]
timezone = "Europe/Berlin"
relief_check = 6

[[schedule]]
routine = "gluteus-medius"
days = "weekdays"
at = ["10:30", "16:00"]
"""


def make_config(tmp_path: Path) -> Config:
    paths = Paths(
        config_file=tmp_path / "config.toml",
        config_from="--config",
        config_dir=tmp_path / "cfg",
        routines_dir=tmp_path / "cfg" / "routines",
        state_dir=tmp_path / "state",
        runtime_dir=tmp_path / "run",
    )
    return parse_config(
        parse(CONFIG, "config.toml"), text=CONFIG, shown="config.toml", path=None, paths=paths
    )


def write_history(history: History, config: Config) -> None:
    """Twelve weeks of sessions with a mix of outcomes, and pain that does not
    ease, so the relief advice appears in the report."""
    from reminder.config.calendar import occurrences
    from reminder.routines.plan import build_plan

    plan = build_plan(config.routines["gluteus-medius"])
    chance = random.Random(7)
    start = NOW - dt.timedelta(weeks=12)
    for occurrence in occurrences(config, start):
        if occurrence.at > NOW:
            break
        at = occurrence.at
        roll = chance.random()
        if roll < 0.6:
            record_completed(
                history,
                "gluteus-medius",
                at,
                took=dt.timedelta(seconds=plan.total_seconds),
                seconds_done=plan.total_seconds,
            )
        elif roll < 0.7:
            row = history.started("gluteus-medius", at, schedule=0, scheduled_at=at)
            seconds = plan.phase_seconds("release")
            history.ended(
                row,
                at + dt.timedelta(seconds=seconds),
                "partial",
                phases_done=("release",),
                seconds_done=seconds,
            )
        elif roll < 0.8:
            history.not_run("gluteus-medius", "skipped", scheduled_at=at, schedule=0, at=at)
        else:
            reason = chance.choice(["late", "paused", "no-answer", "superseded"])
            history.not_run(
                "gluteus-medius", "missed", scheduled_at=at, schedule=0, reason=reason, at=at
            )
    for day in range(84):
        at = start + dt.timedelta(days=day, hours=2)
        history.add_checkin(
            at,
            score=chance.choice([4, 5, 5, 6]),
            feeling=chance.choice(["same", "same", "worse", "better"]),
            routine="gluteus-medius",
        )


@pytest.fixture
def report_data(tmp_path: Path) -> tuple[Stats, Advice | None]:
    config = make_config(tmp_path)
    history = History(tmp_path / "history.sqlite3")
    write_history(history, config)
    entries, checkins = history.entries(), history.checkins()
    history.close()
    return compute(entries, checkins, config, NOW), relief_advice(entries, checkins, config, NOW)


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.svg_ids: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "svg":
            self.svg_ids.extend(value for name, value in attrs if name == "id" and value)


def test_the_report_is_one_self_contained_page_with_the_charts(
    tmp_path: Path, report_data: tuple[Stats, Advice | None]
) -> None:
    stats, advice = report_data
    assert advice is not None, "flat pain over 12 weeks of sessions should bring the advice"
    page = html_report(stats, advice, "Back <pain> & me", NOW)
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")

    text = path.read_text(encoding="utf-8").lower()
    for forbidden in ("http://", "https://", "<script", "src=", "url(", "@import"):
        assert forbidden not in text, forbidden
    parser = Collector()
    parser.feed(page)
    parser.close()
    assert {"adherence-calendar", "pain-trend", "phase-minutes"} <= set(parser.svg_ids)
    assert "script" not in parser.tags
    assert not [name for name, _ in parser.attributes if name in ("src", "href")]
    assert "Back &lt;pain&gt; &amp; me" in page
    assert "clinician" in page
    assert "not medical advice" in page
    assert 'id="advice"' in page
    # One calendar cell a day of the twelve weeks up to today (Wednesday).
    assert page.count('class="day ') == 11 * 7 + 3


def chromium_screenshot(html: Path, png: Path, profile: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "chromium is not installed; the report test needs it: apt-get install -y chromium"
        )
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={WIDTH},{HEIGHT}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=CHROMIUM_TIMEOUT,
    )


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            assert colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        filter_type, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                corner = previous[i - channels] if i >= channels else 0
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + nearest) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def colours(width: int, rows: list[bytes]) -> set[tuple[int, int, int]]:
    channels = len(rows[0]) // width
    return {(row[x], row[x + 1], row[x + 2]) for row in rows for x in range(0, len(row), channels)}


def near(colour: tuple[int, int, int], seen: set[tuple[int, int, int]]) -> bool:
    return any(all(abs(a - b) <= 4 for a, b in zip(colour, other, strict=True)) for other in seen)


def test_chromium_renders_the_report_with_its_charts(
    tmp_path: Path, report_data: tuple[Stats, Advice | None]
) -> None:
    stats, advice = report_data
    html = tmp_path / "report.html"
    html.write_text(html_report(stats, advice, "Twelve weeks", NOW), encoding="utf-8")
    png = tmp_path / "report.png"
    chromium_screenshot(html, png, tmp_path / "profile")

    data = png.read_bytes()
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    width, height, rows = decode_png(data)
    assert (width, height) == (WIDTH, HEIGHT)
    channels = len(rows[0]) // width
    corner = rows[HEIGHT - 1][(WIDTH - 1) * channels : WIDTH * channels]
    assert corner[:3] == bytes.fromhex("f6f8fa"), "the page background should fill the corner"
    seen = colours(width, rows)
    assert len(seen) > 20, "the page rendered as (nearly) one colour"
    # The calendar's "all done" green, the release bar's red, the stretch bar's
    # blue and the box background all reached the screen.
    for hex_colour in ("2e8b57", "c0504d", "4f81bd", "ffffff"):
        rgb = (int(hex_colour[0:2], 16), int(hex_colour[2:4], 16), int(hex_colour[4:6], 16))
        assert near(rgb, seen), f"#{hex_colour} is not on the screenshot"

    blank_html = tmp_path / "blank.html"
    blank_html.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    blank_png = tmp_path / "blank.png"
    chromium_screenshot(blank_html, blank_png, tmp_path / "profile-blank")
    assert len(data) > 5 * len(blank_png.read_bytes())
