"""The `kmsynth` command line: argument parsing and printing only."""

from kmsynth.cli.main import main

__all__ = ["main"]
