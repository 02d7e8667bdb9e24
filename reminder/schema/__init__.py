"""The one schema of config and routine files: fields, durations, TOML with line numbers, time zones."""
