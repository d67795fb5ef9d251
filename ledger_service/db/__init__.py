"""Storage: SQLModel tables, the engine, migrations."""
