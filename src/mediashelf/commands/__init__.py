"""The commands behind `shelf`, a module per group; cli.py parses the arguments and dispatches."""
