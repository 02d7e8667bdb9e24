"""Mistakes in a routine's groups and levels, as `reminder validate` shows them.

Every level is checked like an exercise of its own: a bad value is reported
at its key path inside the level (``strengthen[0].levels[2].reps``), on the
level's own line when the levels are written one a line, with exit 78 and
no traceback. Lines and columns are worked out from the TOML written here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from support.problems import (
    assert_at_line,
    edit,
    problem,
    problems,
    rejected,
    where,
    write,
)

RunCli = Callable[..., Result]

PROGRAMME = """\
title = "Hips programme"

[[release]]
exercise = "Ball release"
hold = "60s"

[[stretch]]
exercise = "Figure-4"
hold = "30s"

[[strengthen]]
exercise = "Clamshells"
reps = 10
sets = 2
group = "A"
levels = [
  { reps = 12 },
  { reps = 15 },
  { sets = 3, reps = 12 },
]

[[strengthen]]
exercise = "Bridge"
reps = 10
sets = 2
group = "B"

[[strengthen]]
exercise = "Single-leg stance"
hold = "20s"
levels = [{ hold = "25s" }, { hold = "30s" }]
"""


@pytest.fixture
def check(run_cli: RunCli, tmp_path: Path) -> Callable[[str], tuple[Path, str]]:
    """Validate ``text`` as a routine file a config names; the file and stderr."""

    def run(text: str) -> tuple[Path, str]:
        routine = write(tmp_path / "conf" / "hips.toml", text)
        config = write(
            tmp_path / "conf" / "config.toml",
            '[[schedule]]\nroutine = "hips.toml"\nat = ["10:30"]\n',
        )
        return routine, rejected(run_cli("validate", "--config", str(config)))

    return run


def test_the_programme_as_written_is_valid(run_cli: RunCli, tmp_path: Path) -> None:
    routine = write(tmp_path / "hips.toml", PROGRAMME)
    result = run_cli("plan", str(routine))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("old", "new", "key_path", "snippet", "says"),
    [
        pytest.param(
            "{ reps = 15 }",
            "{ reps = 0 }",
            "strengthen[0].levels[1].reps",
            "reps = 0",
            "0 is out of range; use 1 to 500",
            id="reps-out-of-range",
        ),
        pytest.param(
            "{ sets = 3, reps = 12 }",
            '{ sets = 3, reps = "twelve" }',
            "strengthen[0].levels[2].reps",
            'reps = "twelve"',
            "must be a whole number",
            id="reps-not-a-number",
        ),
        pytest.param(
            "{ reps = 15 }",
            '{ reps = 15, rest = "1.5m" }',
            "strengthen[0].levels[1].rest",
            'rest = "1.5m"',
            "is not a duration",
            id="bad-duration",
        ),
        pytest.param(
            "{ reps = 15 }",
            '{ reps = 15, sides = "both" }',
            "strengthen[0].levels[1].sides",
            'sides = "both"',
            "stays as written at every level",
            id="key-a-level-cannot-change",
        ),
        pytest.param(
            "{ reps = 15 }",
            "{ repz = 15 }",
            "strengthen[0].levels[1].repz",
            "repz = 15",
            'did you mean "reps"?',
            id="unknown-key",
        ),
        pytest.param(
            "{ reps = 15 }",
            "{ }",
            "strengthen[0].levels[1]",
            "{ }",
            "is empty",
            id="empty-level",
        ),
        pytest.param(
            '{ hold = "30s" }]',
            '{ hold = "30s", rep_time = "2s" }]',
            "strengthen[2].levels[1].rep_time",
            "levels = [{ hold",
            "only goes with reps",
            id="rep-time-on-a-hold",
        ),
        pytest.param(
            "{ reps = 15 }",
            '{ reps = 15, hold = "20s" }',
            "strengthen[0].levels[1]",
            'hold = "20s"',
            "has both hold and reps",
            id="hold-and-reps",
        ),
        pytest.param(
            'group = "B"',
            "group = 2",
            "strengthen[1].group",
            "group = 2",
            'like "A"',
            id="group-not-a-string",
        ),
        pytest.param(
            'group = "B"',
            'group = "the second group of the week"',
            "strengthen[1].group",
            'group = "the second',
            "short name",
            id="group-too-long",
        ),
    ],
)
def test_a_bad_level_or_group_is_reported_at_its_key_path(
    check: Callable[[str], tuple[Path, str]],
    old: str,
    new: str,
    key_path: str,
    snippet: str,
    says: str,
) -> None:
    text = edit(PROGRAMME, old, new)
    routine, stderr = check(text)
    shown = problem(stderr, routine, key_path)
    assert says in shown.message
    line, _ = where(text, snippet)
    assert shown.line == line, shown.text


def test_every_bad_level_is_reported_in_one_run(check: Callable[[str], tuple[Path, str]]) -> None:
    text = edit(
        PROGRAMME,
        "  { reps = 12 },\n  { reps = 15 },",
        '  { reps = -1 },\n  { rest = "soon" },',
    )
    routine, stderr = check(text)
    assert len(problems(stderr, routine)) == 2, stderr
    assert_at_line(problem(stderr, routine, "strengthen[0].levels[0].reps"), text, "reps = -1")
    assert_at_line(problem(stderr, routine, "strengthen[0].levels[1].rest"), text, 'rest = "soon"')


def test_levels_must_be_a_list_of_tables(check: Callable[[str], tuple[Path, str]]) -> None:
    text = edit(PROGRAMME, 'levels = [{ hold = "25s" }, { hold = "30s" }]', "levels = 3")
    routine, stderr = check(text)
    shown = problem(stderr, routine, "strengthen[2].levels")
    assert "list of tables" in shown.message
    assert_at_line(shown, text, "levels = 3")


def test_a_group_that_leaves_a_phase_empty_is_named(
    check: Callable[[str], tuple[Path, str]],
) -> None:
    # Figure-4 only in A: B's sessions would have no stretch.
    text = edit(PROGRAMME, 'exercise = "Figure-4"', 'exercise = "Figure-4"\ngroup = "A"')
    routine, stderr = check(text)
    shown = problem(stderr, routine, "stretch")
    assert 'group "B"' in shown.message
    assert "no stretch" in shown.message
    assert len(problems(stderr, routine)) == 1, stderr


def test_a_group_named_only_in_release_leaves_the_other_groups_without_one(
    check: Callable[[str], tuple[Path, str]],
) -> None:
    # The only release exercise goes to a new group C: A's and B's sessions
    # would have no release. C itself is fine: Figure-4 and the stance run in
    # every session.
    text = edit(PROGRAMME, 'hold = "60s"', 'hold = "60s"\ngroup = "C"')
    routine, stderr = check(text)
    lines = problems(stderr, routine)
    assert len(lines) == 2, stderr
    messages = "\n".join(lines)
    assert 'release: has nothing for group "A"' in messages
    assert 'release: has nothing for group "B"' in messages


def test_two_exercises_with_levels_may_not_share_a_name(
    check: Callable[[str], tuple[Path, str]],
) -> None:
    text = edit(PROGRAMME, 'exercise = "Single-leg stance"', 'exercise = "Clamshells"')
    routine, stderr = check(text)
    assert problem(stderr, routine, "strengthen[0].exercise").message.startswith(
        '"Clamshells" has levels'
    )
    assert problem(stderr, routine, "strengthen[2].exercise")
