"""The subcommands of ``spamschutz``, one module per area."""
