"""Fault injection for the daemon under test: put this folder on PYTHONPATH
and set REMINDER_FAULT. Python imports sitecustomize at start-up, so the
daemon process (``python -P -m reminder.daemon``) runs with the fault.

REMINDER_FAULT=step:N  the N-th step of any session raises RuntimeError
                       inside the daemon's step callback (N counts from 1).
"""

from __future__ import annotations

import os

_FAULT = os.environ.get("REMINDER_FAULT", "")

if _FAULT.startswith("step:"):
    from reminder.routines import plan

    _target = int(_FAULT.split(":", 1)[1])
    _original = plan.Step.to_json
    _count = [0]

    def _failing(self: plan.Step) -> dict[str, object]:
        _count[0] += 1
        if _count[0] == _target:
            raise RuntimeError(f"injected fault at step {_target}")
        return _original(self)

    plan.Step.to_json = _failing  # type: ignore[method-assign]
