"""`python -m sim1365 …`: the simulator's command line."""
from sim1365.cli import cli

cli()
