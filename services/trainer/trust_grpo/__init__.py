"""Trust-GRPO trainer: async reward client, Trust-GRPO advantages and the GRPO loop.

The package is a placeholder until the trainer issue lands; see DESIGN section 7.
"""

__all__: list[str] = []
