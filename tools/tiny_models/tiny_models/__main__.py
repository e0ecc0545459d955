"""`python -m tiny_models`: the `tiny-models` command."""

from tiny_models.cli import main

main()
