"""`reminder doctor`: check the desktop, the daemon and the config, and say what to fix."""

from __future__ import annotations

import click

from reminder.cli.app import cli, config_option, env_of, json_option, print_json
from reminder.errors import ExitStatus


@cli.command()
@click.option("--no-test", "no_test", is_flag=True, help="Do not send the test notification.")
@json_option
@config_option
@click.pass_context
def doctor(ctx: click.Context, no_test: bool, as_json: bool, config_path: str | None) -> None:
    """Check what a session needs: config, time zone, session bus, notification
    server (with a test notification), away and do-not-disturb sources, login
    start, the daemon and its history. Each line says ✓ (fine), ! (worth a
    look) or ✗ (a session would not show, or not on time) and what to do.

    Exits 0 when sessions would show and keep time, 1 otherwise.
    """
    from reminder.cli.doctor import Context, healthy, report, run_checks

    env = env_of(ctx)
    context = Context(paths=env.paths(config_path), now=env.now, send_test=not no_test)
    checks = run_checks(context)
    ok = healthy(checks)
    if as_json:
        print_json({"ok": ok, "checks": [check.to_json() for check in checks]})
    else:
        click.echo(report(checks))
    if not ok:
        ctx.exit(ExitStatus.FAILURE)
