"""The config: loading and validation, the calendar (config → occurrences), the generated reference."""
