"""``python -m reminder.sound play [--volume V] [--voice] [--output pulse|miniaudio]``:
the player process of one session (see ``reminder.sound.player``)."""

from __future__ import annotations

import argparse
import sys

from reminder.sound.output import OUTPUTS, default_output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reminder.sound")
    commands = parser.add_subparsers(dest="command", required=True)
    play = commands.add_parser("play", help="play a session's cues; commands on stdin")
    play.add_argument("--volume", type=float, default=0.8)
    play.add_argument("--voice", action="store_true")
    play.add_argument("--output", choices=OUTPUTS, default=default_output())
    args = parser.parse_args(argv)
    from reminder.sound.player import main as play_main

    volume = min(1.0, max(0.0, args.volume))
    return play_main(
        volume=volume, voice=args.voice, output=args.output, stdin=sys.stdin, stdout=sys.stdout
    )


if __name__ == "__main__":
    sys.exit(main())
