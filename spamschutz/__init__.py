"""The spamschutz command line."""
