"""Storage: tables, the engine and its write paths, small named facts (kv), migrations."""
