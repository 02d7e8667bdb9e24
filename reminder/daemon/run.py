"""Running the daemon as a process: one per user, signals taken on a thread
of their own, the watchers, the control server and the timer loop wired to
the coordinator (``coordinator.Daemon``)."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reminder.config.load import Config, load_config
from reminder.daemon.coordinator import Daemon
from reminder.daemon.events import EventLog, steps_on_console
from reminder.daemon.failsafe import InternalErrors
from reminder.errors import ReminderError
from reminder.paths import Paths

if TYPE_CHECKING:
    from reminder.daemon.presence import Presence
    from reminder.notify.base import Notifier


# -- running it ----------------------------------------------------------------------


def _control_handler(
    daemon: Daemon, internal_error: Callable[[BaseException], None]
) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Runs each control command on the daemon's thread and waits for its reply."""
    import concurrent.futures

    from reminder.daemon.control import REPLY_TIMEOUT

    def handle(command: str, args: dict[str, Any]) -> dict[str, Any]:
        reply: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()

        def run() -> None:
            try:
                reply.set_result({"ok": True, **daemon.control(command, args)})
            except ReminderError as error:
                reply.set_result({"ok": False, "error": error.message, "status": int(error.status)})
            except Exception as error:  # noqa: BLE001 - reported, and the daemon carries on
                internal_error(error)
                reply.set_result(
                    {"ok": False, "error": "Something went wrong inside reminder; see its log."}
                )

        daemon.soon(run)
        try:
            return reply.result(timeout=REPLY_TIMEOUT - 1)
        except concurrent.futures.TimeoutError:
            return {"ok": False, "error": "The daemon is busy; try again."}

    return handle


def _files_to_watch(paths: Paths, config: Config) -> tuple[list[Path], list[Path]]:
    from reminder.daemon.upgrade import package_file

    files = [paths.config_file, package_file()]
    files += [Path(r.path) for r in config.routines.values() if r.source == "file" and r.path]
    return files, [paths.routines_dir]


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
ALL_SIGNALS = STOP_SIGNALS | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())


def _watch_sleep(daemon: Daemon, wakeup: Callable[[], None]) -> None:
    from reminder.daemon.watchers import SleepWatcher

    def on_resume() -> None:
        wakeup()
        daemon.soon(daemon.resumed)

    listening = SleepWatcher(
        on_resume,
        lambda: daemon.soon(lambda: daemon.log("sleep", "The computer is going to sleep.")),
    ).start()
    daemon.log(
        "sleep-watch",
        "Listening for suspend and resume (logind)."
        if listening
        else "No logind on the system bus: a resume is noticed by the clock instead.",
        listening=listening,
    )


def _announce_presence(log: EventLog, sources: list[str]) -> None:
    log(
        "presence-watch",
        "Holding sessions while you are away or in do-not-disturb, as told by: "
        + (", ".join(sources) if sources else "nothing here (sessions start regardless)")
        + ".",
        sources=sources,
    )


def _take_signals(daemon: Daemon) -> None:
    """SIGTERM and SIGINT stop the daemon; SIGHUP reads the config again."""

    def handle(number: int) -> None:
        if number in STOP_SIGNALS:
            why = "SIGTERM" if number == signal.SIGTERM else "SIGINT"
            daemon.soon(lambda: daemon.shutdown(why))
        else:
            daemon.soon(lambda: daemon.reload(requested=True))

    if hasattr(signal, "pthread_sigmask"):

        def take_signals() -> None:
            while True:
                handle(signal.sigwait(ALL_SIGNALS))

        threading.Thread(target=take_signals, name="signals", daemon=True).start()
    else:  # pragma: no cover - Windows: no sigwait; handlers hand the work on

        def on_signal(number: int, _frame: object) -> None:
            threading.Thread(target=handle, args=(number,), daemon=True).start()

        for number in ALL_SIGNALS:
            signal.signal(number, on_signal)


def run(paths: Paths, *, json_logs: bool = False, log: EventLog | None = None) -> bool:
    """Run the daemon in the foreground until SIGTERM or SIGINT. The caller
    holds the instance lock and has checked the folders
    (``daemon.__main__.start``, ``daemon.lock.claim``). True when it stopped
    to run reminder again, updated on disk (``daemon.upgrade``)."""
    from reminder.daemon.control import ControlServer
    from reminder.daemon.timers import Timers
    from reminder.daemon.upgrade import UpgradeWatch, files_changed, fingerprint, package_file
    from reminder.daemon.watchers import ClockWatcher, FileWatcher, wall_minus_boot
    from reminder.notify import select_notifier

    if hasattr(signal, "pthread_sigmask"):
        # Block them in every thread (threads inherit this mask), and take them
        # with sigwait on a thread of our own. A Python handler runs only on
        # the main thread, which sits blocked in APScheduler's wait: a signal
        # the kernel hands to another thread was then lost (seen in CI).
        signal.pthread_sigmask(signal.SIG_BLOCK, ALL_SIGNALS)
    log = log if log is not None else EventLog(json_lines=json_logs)
    config = load_config(paths)  # a broken config at start: ConfigError, exit 78

    def make_notifier(setting: str) -> Notifier:
        return select_notifier(setting, log=log.fields_logger())

    internal_error = InternalErrors(log)

    timers = Timers(on_error=internal_error)
    clock_watcher: ClockWatcher | None = None
    file_watcher: FileWatcher | None = None

    def rearm(when: dt.datetime | None) -> None:
        if clock_watcher is not None:
            clock_watcher.arm(when.timestamp() if when else None)

    def rewatch(new_config: Config) -> None:
        if file_watcher is not None:
            file_watcher.watch(*_files_to_watch(paths, new_config))

    from reminder.daemon.presence import PresenceWatcher

    presence_box: list[Daemon] = []

    def on_presence(presence: Presence) -> None:
        if presence_box:
            daemon_ = presence_box[0]
            daemon_.soon(lambda: daemon_.presence_changed(presence))

    presence = PresenceWatcher(on_presence)
    installed = package_file()
    daemon = Daemon(
        presence=presence,
        history=paths.history_db,
        paths=paths,
        config=config,
        notifier=make_notifier(config.settings.notifier),
        timers=timers,
        log=log,
        notifier_factory=make_notifier,
        on_rearm=rearm,
        on_config_files=rewatch,
        clock_offset=wall_minus_boot,
        threaded_writes=True,
        internal_errors=internal_error,
        upgrade=UpgradeWatch(lambda: fingerprint(installed)),
    )
    daemon.notifier.set_action_handler(daemon.action_handler)
    log.skip_text_when(steps_on_console(lambda: daemon.notifier))
    presence_box.append(daemon)
    _announce_presence(log, presence.start())

    def on_clock(why: str, jump: float) -> None:
        # The daemon measures the jump itself, on its own thread.
        timers.wakeup()
        daemon.soon(daemon.clock_event)

    clock_watcher = ClockWatcher(on_clock)
    clock_watcher.start()

    file_watcher = FileWatcher(lambda: files_changed(daemon))
    file_watcher.watch(*_files_to_watch(paths, config))

    _watch_sleep(daemon, timers.wakeup)
    _take_signals(daemon)

    control = ControlServer(paths.control_socket, _control_handler(daemon, internal_error), log)
    control.start()
    daemon.soon(daemon.start)
    try:
        timers.run()
    finally:
        control.close()
        clock_watcher.stop()
        presence.stop()
        file_watcher.close()
    return daemon.restart_wanted
