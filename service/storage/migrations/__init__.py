"""Alembic migrations of the spamschutz schema; run them with ``upgrade_database(url)``."""
