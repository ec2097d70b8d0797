"""The project database (SQLite): submissions, values, history and reporting status."""
