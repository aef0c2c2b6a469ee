"""`python -m models ...`: the same commands as `sieve model ...` and `sieve score`."""

import click

from models.cli import model, score


@click.group()
def main() -> None:
    """Sieve classifier commands."""


main.add_command(model)
main.add_command(score)

if __name__ == "__main__":
    main()
