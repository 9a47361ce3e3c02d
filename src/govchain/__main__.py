"""``python -m govchain``: the same command as ``govchain``."""

from govchain.cli.main import main

main()
