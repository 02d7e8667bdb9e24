"""Progress: history (SQLite), stats and the HTML report."""
