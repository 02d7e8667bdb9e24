"""Reading the TOML a user wrote: key paths, where keys are, and syntax errors.

Line and column numbers are 1-based, as editors show them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reminder.errors import ConfigError, ExitStatus, Problem
from reminder.schema.tomlfile import KeyLocator, KeyPath, format_path, parse, read_text


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ((), ""),
        (("settings",), "settings"),
        (("settings", "quiet_hours"), "settings.quiet_hours"),
        (("schedule", 1, "at", 0), "schedule[1].at[0]"),
        (("routines", "desk-break", "release", 0, "hold"), "routines.desk-break.release[0].hold"),
        (("routines", "my routine", "title"), 'routines."my routine".title'),
        (("routines", "a.b"), 'routines."a.b"'),
        (("schedule", 0, 'say "hi"'), r'schedule[0]."say \"hi\""'),
    ],
)
def test_format_path(path: KeyPath, shown: str) -> None:
    assert format_path(path) == shown


CONFIG = """\
# reminder config
[settings]
timezone = "Europe/Berlin"
  quiet_hours = "22:00-07:00"

[[schedule]]
routine = "gluteus-medius"
at = ["10:30",
      "16:00"]

[[ schedule ]]
routine = "desk-break"
every = "50m"
between = "09:00-17:30"
"""


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (("settings",), (2, 1)),
        (("settings", "timezone"), (3, 1)),
        (("settings", "quiet_hours"), (4, 3)),
        (("schedule", 0), (6, 1)),
        (("schedule", 0, "routine"), (7, 1)),
        (("schedule", 0, "at"), (8, 1)),
        # Inside an array: the item itself, on the line it is written.
        (("schedule", 0, "at", 0), (8, 7)),
        (("schedule", 0, "at", 1), (9, 7)),
        (("schedule", 1, "every"), (13, 1)),
        (("schedule", 1, "between"), (14, 1)),
        # A key the file does not have: its table's header.
        (("schedule", 1, "days"), (11, 1)),
        (("settings", "snooze"), (2, 1)),
    ],
)
def test_locator_finds_keys_in_tables_and_arrays(path: KeyPath, where: tuple[int, int]) -> None:
    assert KeyLocator(CONFIG).find(path) == where


def test_locator_returns_none_for_what_the_file_does_not_mention() -> None:
    locator = KeyLocator(CONFIG)

    assert locator.find(("routines", "mine")) is None
    assert locator.find(()) is None


ROUTINES = """\
[routines.mine]
title = "Mine"

[[routines.mine.release]]
exercise = "Ball"
hold = "90s"

[[routines.mine.release]]
exercise = "Roller"
    hold = "60s"

[[routines.other.release]]
exercise = "Hands"

[[routines.mine.stretch]]
exercise = "Figure-4"
"quoted key" = 1
side.left = 2
"""


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (("routines", "mine"), (1, 1)),
        (("routines", "mine", "title"), (2, 1)),
        (("routines", "mine", "release", 0), (4, 1)),
        (("routines", "mine", "release", 0, "hold"), (6, 1)),
        (("routines", "mine", "release", 1, "exercise"), (9, 1)),
        (("routines", "mine", "release", 1, "hold"), (10, 5)),
        # Each routine's array counts its own entries.
        (("routines", "other", "release", 0, "exercise"), (13, 1)),
        (("routines", "mine", "stretch", 0, "exercise"), (16, 1)),
        (("routines", "mine", "stretch", 0, "quoted key"), (17, 1)),
        (("routines", "mine", "stretch", 0, "side", "left"), (18, 1)),
    ],
)
def test_locator_finds_keys_of_inline_routines(path: KeyPath, where: tuple[int, int]) -> None:
    assert KeyLocator(ROUTINES).find(path) == where


INLINE_VALUES = '''\
[routines.mine]
release = [
  { exercise = "Ball", hold = "90s" },  # a comment, ] and } in it
  { "exercise" = "Roller, soft", how = """two
lines""", side.left = 1 },
]
stretch = [{exercise = 'x, y', sets = [1, [2, 3]]}]
title = "after the arrays"
'''


@pytest.mark.parametrize(
    ("path", "line", "snippet"),
    [
        (("routines", "mine", "release", 0), 3, '{ exercise = "Ball"'),
        (("routines", "mine", "release", 0, "exercise"), 3, 'exercise = "Ball"'),
        (("routines", "mine", "release", 0, "hold"), 3, "hold"),
        (("routines", "mine", "release", 1, "exercise"), 4, '"exercise"'),
        (("routines", "mine", "release", 1, "how"), 4, "how"),
        (("routines", "mine", "release", 1, "side", "left"), 5, "side.left"),
        (("routines", "mine", "stretch", 0, "sets", 1, 0), 7, "2, 3"),
        (("routines", "mine", "title"), 8, "title"),
    ],
)
def test_locator_finds_items_and_keys_inside_array_and_inline_table_values(
    path: KeyPath, line: int, snippet: str
) -> None:
    parse(INLINE_VALUES, "inline.toml")  # the text is TOML, as whatever the locator reads
    column = INLINE_VALUES.splitlines()[line - 1].index(snippet) + 1
    assert KeyLocator(INLINE_VALUES).find(path) == (line, column)


def test_locator_does_not_take_lines_of_a_multiline_string_for_keys() -> None:
    text = '''\
[[release]]
exercise = "Ball"
how = """
hold = "this line is text, not a key"
[[release]]
"""
hold = "90s"

[[release]]
exercise = "Roller"
about = \'\'\'
sets = 3
\'\'\'
sets = 2
title = """one line"""
rest = "5s"
'''
    locator = KeyLocator(text)

    assert locator.find(("release", 0, "hold")) == (7, 1)
    # The header inside the string did not count as a second entry.
    assert locator.find(("release", 1)) == (9, 1)
    assert locator.find(("release", 1, "sets")) == (14, 1)
    # A string opened and closed on one line does not swallow what follows.
    assert locator.find(("release", 1, "rest")) == (16, 1)


def test_locator_is_not_fooled_by_triple_quotes_in_a_comment() -> None:
    text = '[settings]\ntimezone = "UTC"  # not """ a string\nsnooze = "10m"\n'

    assert KeyLocator(text).find(("settings", "snooze")) == (3, 1)


def test_locator_table_at_gives_the_enclosing_table() -> None:
    locator = KeyLocator(CONFIG)

    assert locator.table_at(1) == ()
    assert locator.table_at(3) == ("settings",)
    assert locator.table_at(9) == ("schedule", 0)
    assert locator.table_at(11) == ("schedule", 1)
    assert locator.table_at(100) == ("schedule", 1)


# Syntax errors


def syntax_error(text: str, shown: str = "config.toml") -> Problem:
    with pytest.raises(ConfigError) as caught:
        parse(text, shown)
    assert caught.value.status == ExitStatus.CONFIG
    [problem] = caught.value.problems
    return problem


def test_syntax_error_has_file_line_column_and_table() -> None:
    text = """\
[settings]
timezone = "UTC"

[[schedule]]
routine = "a"

[[schedule]]
routine = "b"
oops
"""
    problem = syntax_error(text)

    assert (problem.file, problem.line, problem.column) == ("config.toml", 9, 5)
    assert problem.path == "schedule[1]"
    assert problem.message.startswith("TOML syntax error: ")
    assert "(at line" not in problem.message
    assert str(problem).startswith("config.toml:9:5: schedule[1]: TOML syntax error: ")


def test_syntax_error_in_an_inline_routine_names_its_entry() -> None:
    text = """\
[routines.mine]
title = "Mine"
[[routines.mine.release]]
exercise = "Ball"
hold = 90s
"""
    problem = syntax_error(text, "/home/me/.config/reminder/config.toml")

    assert problem.file == "/home/me/.config/reminder/config.toml"
    # The number 90 ends where "s" starts, in column 10.
    assert (problem.line, problem.column) == (5, 10)
    assert problem.path == "routines.mine.release[0]"


def test_syntax_error_before_any_table_has_no_key_path() -> None:
    problem = syntax_error('title = "Gluteus medius"\n= "oops"\n', "routine.toml")

    assert (problem.file, problem.line, problem.column) == ("routine.toml", 2, 1)
    assert problem.path == ""
    assert str(problem).startswith("routine.toml:2:1: TOML syntax error: ")


def test_syntax_error_at_the_end_of_the_file_points_after_the_last_character() -> None:
    problem = syntax_error('[settings]\ntimezone = "UTC')

    assert (problem.line, problem.column) == (2, 16)
    assert problem.path == "settings"
    assert problem.message.startswith("TOML syntax error: ")
    assert " at the end of the file; " in problem.message
    assert problem.message.endswith("check the quotes, brackets and commas here")


def test_parse_returns_the_data() -> None:
    assert parse('[settings]\ntimezone = "UTC"\n', "config.toml") == {
        "settings": {"timezone": "UTC"}
    }


# Reading the file


def read_problem(path: Path) -> Problem:
    with pytest.raises(ConfigError) as caught:
        read_text(path, "config.toml")
    [problem] = caught.value.problems
    return problem


def test_missing_file_says_to_check_the_path(tmp_path: Path) -> None:
    problem = read_problem(tmp_path / "nope.toml")

    assert str(problem) == "config.toml: no such file; check the path"


def test_a_directory_is_not_a_config(tmp_path: Path) -> None:
    problem = read_problem(tmp_path)

    assert problem.message == "is a directory, not a file; give the path of a .toml file"


def test_text_that_is_not_utf8_points_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[settings]\ntime\xffzone = "UTC"\n')

    problem = read_problem(path)

    assert (problem.line, problem.column) == (2, 5)
    assert problem.message == "is not UTF-8 text; save it as UTF-8 in your editor"


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbf[settings]\ntimezone = "UTC"\n')

    assert read_text(path, "config.toml") == '[settings]\ntimezone = "UTC"\n'


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"#" * (1024 * 1024 + 1))

    problem = read_problem(path)

    assert problem.message.startswith("is larger than 1 MiB")
