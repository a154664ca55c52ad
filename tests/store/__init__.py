"""The store: one contract suite per aggregate, each run on SQLite and on Redis
(``conftest.store``), and the tests of what only one implementation does
(``test_sqlite.py``, ``test_sqlite_thread.py``, ``test_redis.py``)."""
