"""The bundle's entry point: `genstudio` as installed (app, or a CLI subcommand), plus the hidden `--self-test`."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()        # first: a frozen child process must not start another app
    if sys.argv[1:2] == ["--self-test"]:
        from studio.ui.selftest import main
        sys.exit(main(sys.argv[2:]))
    from studio.__main__ import main
    sys.exit(main())
