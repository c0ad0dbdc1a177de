"""The bundle's entry point: `genstudio` as installed (app, or a CLI subcommand), plus the hidden `--self-test` and
`--platform-check` (studio/ui/platform_check.py: can this session's Qt platform plugin load? exit 0, or 2 with
the libraries to install). Opening the app runs the same check first, in studio/__main__.py before any Qt GUI
module is imported, so a machine without the X11 libraries the bundle cannot ship gets that message and exit 2,
not Qt's abort and a core dump."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()        # first: a frozen child process must not start another app
    if sys.argv[1:2] == ["--self-test"]:
        from studio.ui.selftest import main
        sys.exit(main(sys.argv[2:]))
    if sys.argv[1:2] == ["--platform-check"]:
        from studio.ui.platform_check import main
        sys.exit(main(sys.argv[2:]))
    from studio.__main__ import main
    sys.exit(main())
