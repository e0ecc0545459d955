"""`python -m trust_grpo` is the `trust-grpo` command."""

from trust_grpo.cli import main

main()
