"""The scoring core: periods, the catalogue, rules, combining, scorecards. Pure: no disk, no SQLite."""
