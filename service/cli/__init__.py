"""The ``sieve`` command (``main``) and what only it runs: ``sieve up``'s supervisor of web server,
workers and the embedded Redis (``supervisor``, ``embedded_redis``), first-run set-up
(``bootstrap``), and the command groups for ops, privacy and sites. ``context`` gives commands
their settings and app.

Imports every other package of ``service`` (and ``models`` for ``sieve model``); nothing imports
it but the entry point and the tests.
"""
