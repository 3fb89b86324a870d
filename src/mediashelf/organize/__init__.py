"""Organize: path templates, plans, the journal and undo."""
