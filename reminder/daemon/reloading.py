"""A config edit: applied at once when it is valid and different; when it
has mistakes, said (a notification naming file and key paths, and the log)
while the last good config stays in force."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reminder.config.load import load_config
from reminder.errors import ConfigError

if TYPE_CHECKING:
    from reminder.daemon.coordinator import Daemon


def reload(daemon: Daemon, *, requested: bool = False) -> bool:
    """Read the config again; apply it if it is valid and different.
    ``requested``: someone asked (SIGHUP), so say so even if nothing changed.
    Returns whether a new config was applied."""
    try:
        config = load_config(daemon.paths)
    except ConfigError as error:
        lines = [str(p) for p in error.problems]
        if lines == daemon.config_errors and not requested:
            return False
        daemon.config_errors = lines
        from reminder.daemon.messages import config_error_message

        daemon.show("config", config_error_message(str(daemon.paths.config_file), lines))
        daemon.log(
            "config-error",
            "The config has mistakes, so the last good one stays in force:\n  "
            + "\n  ".join(lines),
            problems=lines,
        )
        return False
    if config == daemon.config and not daemon.config_errors:
        if requested:
            daemon.log("reload", "Config unchanged.", config=config.shown, changed=False)
        return False
    daemon.notifier.close("config")
    old_notifier = daemon.config.settings.notifier
    daemon.config, daemon.config_errors = config, []
    daemon.sound.configure(config.settings.sound)
    daemon.agenda.config = config
    if config.settings.notifier != old_notifier and daemon.notifier_factory is not None:
        daemon.notifier.shutdown()
        daemon.notifier = daemon.notifier_factory(config.settings.notifier)
        daemon.notifier.set_action_handler(daemon.action_handler)
    if daemon.on_config_files is not None:
        daemon.on_config_files(config)
    schedules = len(config.schedules)
    daemon.log(
        "reload",
        f"Config applied: {schedules} schedule{'s' if schedules != 1 else ''}.",
        config=config.shown,
        schedules=schedules,
        changed=True,
    )
    daemon.schedule_check(announce=True)
    return True
