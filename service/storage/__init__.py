"""Storage: the database, the source of truth. ``db`` (engine, sessions, migrations, schema
check), ``tables`` (the SQLAlchemy models) and ``states`` (comment states, roles,
pre-moderation modes and their legal transitions).

Imports nothing of Sieve's but ``service.settings``; every other package may import it.
"""
