"""``python -m reminder.sound play [--volume V] [--voice] [--output pulse|miniaudio]``:
the player process of one session (see ``reminder.sound.player``).

Start-up counts against the session's first cue, so the arguments are read
by hand (argparse alone costs ~5-25 ms to import) and the sound server is
reached in a thread while the rest of the player loads.
"""

from __future__ import annotations

import sys

USAGE = (
    "usage: python -m reminder.sound play [--volume 0.0-1.0] [--voice] [--output pulse|miniaudio]"
)


def _options(argv: list[str]) -> tuple[float, bool, str | None]:
    if not argv or argv[0] != "play":
        raise ValueError("the only command is play")
    volume, voice, output = 0.8, False, None
    rest = argv[1:]
    while rest:
        option = rest.pop(0)
        if option == "--voice":
            voice = True
        elif option in ("--volume", "--output") and rest:
            value = rest.pop(0)
            if option == "--volume":
                volume = min(1.0, max(0.0, float(value)))
            elif value in ("pulse", "miniaudio"):
                output = value
            else:
                raise ValueError(f"unknown output {value!r}")
        else:
            raise ValueError(f"unknown option {option!r}")
    return volume, voice, output


def main(argv: list[str] | None = None) -> int:
    try:
        volume, voice, output = _options(sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        sys.stderr.write(f"{USAGE}\n{error}\n")
        return 2
    from reminder.sound.output import Connecting, default_output, open_output

    connecting = Connecting(open_output(output or default_output()))
    from reminder.sound.player import main as play_main

    return play_main(
        volume=volume, voice=voice, connecting=connecting, stdin=sys.stdin, stdout=sys.stdout
    )


if __name__ == "__main__":
    sys.exit(main())
