"""`genstudio`: no arguments (or only app options: `--lang zh_CN`, Qt's `-platform offscreen`) opens the
desktop app; `--self-test` checks the app (studio/ui/selftest.py); a subcommand runs headless."""
from __future__ import annotations

import multiprocessing
import sys
from typing import Sequence

APP_OPTIONS = ("--lang", "-platform", "-style", "-reverse")     # what the app takes (studio/ui/i18n.py, Qt)


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--self-test"]:
        from studio.ui.selftest import main as selftest_main
        return selftest_main(args[1:])
    if not args or args[0] in APP_OPTIONS:
        # Before any Qt GUI module loads (loading QtGui can itself fail, and a platform plugin that cannot
        # load aborts with a core dump): the check reads ELF headers only (studio/ui/platform_check.py).
        from studio.ui import platform_check
        problem = platform_check.check_platform(argv=args)
        if problem is not None:
            print(platform_check.explain(problem), file=sys.stderr)
            return 2
        from studio.ui.app import main as app_main
        return app_main(args, platform_checked=True)
    from studio.cli import main as cli_main
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
