"""The daemon: coordinator, agenda, session runner, control server, timers, watchers, presence."""
