"""`genstudio`: no arguments opens the desktop app; a subcommand runs headless."""
from __future__ import annotations

import multiprocessing
import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        from studio.ui.app import main as app_main
        return app_main([])
    from studio.cli import main as cli_main
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
