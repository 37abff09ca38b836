"""``python -m spamschutz`` runs the command line."""

from spamschutz.cli import main

main()
