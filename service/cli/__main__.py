"""``python -m service.cli``: the ``sieve`` command."""

from service.cli.main import main

main()
