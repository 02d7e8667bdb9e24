"""``python -m reminder``: the same as the ``reminder`` command (used where a
console-less interpreter must start the daemon, e.g. pythonw on Windows)."""

from reminder.cli.main import main

main()
