"""``python -m vertune`` is the ``vertune`` command."""

from vertune.cli import main

main()
