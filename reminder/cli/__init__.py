"""The command line: click commands, display helpers and the terminal walkthrough."""
