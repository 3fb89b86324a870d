"""Metadata readers, one module per media kind, chosen by `registry`."""
