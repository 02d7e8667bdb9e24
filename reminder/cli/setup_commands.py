"""Commands that set reminder up: install, uninstall, completion."""

from __future__ import annotations

from pathlib import Path

import click

from reminder.cli.app import cli, config_option, env_of, ignored_config_option, load, method_option


@cli.command()
@method_option
@click.option(
    "--dry-run", is_flag=True, help="Show what would be written (each file whole) and run."
)
@config_option
@click.pass_context
def install(ctx: click.Context, method: str | None, dry_run: bool, config_path: str | None) -> None:
    """Start the reminder daemon at every login."""
    from reminder import autostart

    env = env_of(ctx)
    # A broken config would make the login service fail at every start: say so now.
    paths, _ = load(env, config_path)
    chosen = method or autostart.default_method()
    command = None
    if config_path:
        command = [*autostart.default_command(chosen), "--config", str(Path(config_path).resolve())]
    running = running_daemon(paths.control_socket)
    actions = autostart.install(chosen, dry_run=dry_run, command=command, start=running is None)
    for action in actions:
        click.echo(action.describe(dry_run=dry_run))
        if dry_run and action.kind == "write":
            click.echo(_indented(action.detail))
    click.echo(autostart.install_message(chosen, dry_run=dry_run, command=command, running=running))


def running_daemon(control_socket: Path) -> int | None:
    """The pid of the daemon answering on the control socket, None if none does."""
    from reminder.daemon.control import request
    from reminder.errors import ReminderError

    try:
        pid = request(control_socket, "status").get("pid")
    except ReminderError:
        return None
    return pid if isinstance(pid, int) else None


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines()) + "\n"


@cli.command()
@method_option
@click.option("--dry-run", is_flag=True, help="Show what would be removed and run; change nothing.")
@ignored_config_option
def uninstall(method: str | None, dry_run: bool, _config_path: str | None) -> None:
    """Stop starting the reminder daemon at login (every way it was set up,
    unless --method names one)."""
    from reminder import autostart

    if method is None:
        found = autostart.uninstall_found(dry_run=dry_run)
        for _, actions in found.removed:
            for action in actions:
                click.echo(action.describe(dry_run=dry_run))
        click.echo(autostart.uninstall_found_message(found, dry_run=dry_run))
        return
    actions = autostart.uninstall(method, dry_run=dry_run)
    for action in actions:
        click.echo(action.describe(dry_run=dry_run))
    click.echo(autostart.uninstall_message(method, actions, dry_run=dry_run))


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@ignored_config_option
def completion(shell: str, _config_path: str | None) -> None:
    """Print the tab-completion script for SHELL.

    \b
    bash:  reminder completion bash >> ~/.bashrc
    zsh:   reminder completion zsh >> ~/.zshrc
    fish:  reminder completion fish > ~/.config/fish/completions/reminder.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None
    click.echo(completer(cli, {}, "reminder", "_REMINDER_COMPLETE").source())
