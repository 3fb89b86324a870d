"""The SQLite catalog: connection, schema migrations, typed queries."""

from mediashelf.catalog.connect import Catalog, default_db_path, open_catalog

__all__ = ["Catalog", "default_db_path", "open_catalog"]
