"""The first-launch check (studio/ui/platform_check.py): missing xcb libraries are named with their install
commands and the app exits 2 before Qt can abort; offscreen and other systems are not checked."""
import struct
import sys
from pathlib import Path

import pytest

from studio.ui import platform_check
from studio.ui.platform_check import LibraryResolver, PlatformProblem, check_platform, explain, read_elf

HOST = read_elf(Path(sys.executable).resolve())


def write_elf(path: Path, needed=(), runpath="", elf_class=2) -> Path:
    """A minimal shared object: ELF header, .dynstr, .dynamic and their section headers (the host's machine)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [*needed, *([runpath] if runpath else [])]
    strings, offsets = b"\0", []
    for name in names:
        offsets.append(len(strings))
        strings += name.encode() + b"\0"
    is64 = elf_class == 2
    word = "q" if is64 else "i"
    entries = [(1, off) for off in offsets[: len(needed)]] + ([(29, offsets[-1])] if runpath else []) + [(0, 0)]
    dynamic = b"".join(struct.pack("<" + word + word.upper(), tag, value) for tag, value in entries)
    header_size, shentsize = (64, 64) if is64 else (52, 40)
    strtab_at = header_size
    dynamic_at = strtab_at + len(strings)
    shoff = dynamic_at + len(dynamic)
    ident = b"\x7fELF" + bytes([elf_class, 1, 1]) + bytes(9)
    if is64:
        header = struct.pack("<HHIQQQIHHHHHH", 3, HOST.machine, 1, 0, 0, shoff, 0, 64, 0, 0, shentsize, 3, 0)
        section = "<IIQQQQIIQQ"
    else:
        header = struct.pack("<HHIIIIIHHHHHH", 3, HOST.machine, 1, 0, 0, shoff, 0, 52, 0, 0, shentsize, 3, 0)
        section = "<IIIIIIIIII"
    sections = (struct.pack(section, *[0] * 10)
                + struct.pack(section, 0, 3, 0, 0, strtab_at, len(strings), 0, 0, 1, 0)          # SHT_STRTAB
                + struct.pack(section, 0, 6, 0, 0, dynamic_at, len(dynamic), 1, 0, 8, 16))       # SHT_DYNAMIC
    path.write_bytes(ident + header + strings + dynamic + sections)
    return path


@pytest.fixture
def qt_tree(tmp_path):
    """PySide6's layout in miniature: plugins/platforms/libqxcb.so (RUNPATH $ORIGIN/../../lib) needs the Qt
    library beside it and system libraries; `system/` holds the ones this 'machine' has."""
    qt = tmp_path / "Qt"
    write_elf(qt / "plugins" / "platforms" / "libqxcb.so",
              ["libQt6XcbQpa.so.6", "libxcb.so.1", "libc.so.6"], runpath="$ORIGIN/../../lib")
    write_elf(qt / "lib" / "libQt6XcbQpa.so.6", ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb.so.1"],
              runpath="$ORIGIN")
    write_elf(qt / "plugins" / "platforms" / "libqwayland.so", ["libwayland-cursor.so.0"])
    system = tmp_path / "system"
    for name in ("libxcb.so.1", "libc.so.6"):
        write_elf(system / name)
    return qt / "plugins" / "platforms", system


def resolver(system: Path) -> LibraryResolver:
    return LibraryResolver(env={}, system_dirs=[str(system)])


def test_read_elf_finds_needed_and_runpath(tmp_path):
    info = read_elf(write_elf(tmp_path / "libx.so", ["liba.so.1", "libb.so.2"], runpath="$ORIGIN:/opt/lib"))
    assert info.needed == ("liba.so.1", "libb.so.2")
    assert info.runpath == ("$ORIGIN", "/opt/lib")
    assert (info.elf_class, info.machine) == (HOST.elf_class, HOST.machine)
    assert read_elf(tmp_path / "absent.so") is None
    (tmp_path / "text.so").write_text("INPUT(-lfoo)")          # a linker script, not ELF
    assert read_elf(tmp_path / "text.so") is None


def test_the_closure_names_exactly_what_is_missing(qt_tree):
    platforms, system = qt_tree
    missing = platform_check.missing_libraries(platforms / "libqxcb.so", resolver(system))
    assert missing == ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")       # found through RUNPATH, transitively


def test_a_library_of_the_wrong_word_size_does_not_count(qt_tree):
    platforms, system = qt_tree
    write_elf(system / "libxcb-icccm.so.4", elf_class=1)                 # a 32-bit copy
    write_elf(system / "libxcb-keysyms.so.1")
    missing = platform_check.missing_libraries(platforms / "libqxcb.so", resolver(system))
    assert missing == ("libxcb-icccm.so.4",)


def test_ld_library_path_is_searched(qt_tree, tmp_path):
    platforms, system = qt_tree
    extra = tmp_path / "extra"
    write_elf(extra / "libxcb-icccm.so.4")
    write_elf(extra / "libxcb-keysyms.so.1")
    found = LibraryResolver(env={"LD_LIBRARY_PATH": str(extra)}, system_dirs=[str(system)])
    assert platform_check.missing_libraries(platforms / "libqxcb.so", found) == ()


def test_x11_session_with_a_missing_library_is_a_problem(qt_tree):
    platforms, system = qt_tree
    problem = check_platform({"DISPLAY": ":0"}, (), platforms, resolver(system), "linux")
    assert problem == PlatformProblem("xcb", platforms / "libqxcb.so", ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert check_platform({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, (), platforms, resolver(system),
                          "linux") == problem


def test_simulated_missing_library_through_an_injected_resolver(qt_tree):
    platforms, system = qt_tree
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        write_elf(system / name)
    real = resolver(system)
    assert check_platform({"DISPLAY": ":0"}, (), platforms, real, "linux") is None

    def without_keysyms(soname, requester, info):
        return None if soname == "libxcb-keysyms.so.1" else real(soname, requester, info)

    problem = check_platform({"DISPLAY": ":0"}, (), platforms, without_keysyms, "linux")
    assert problem.missing == ("libxcb-keysyms.so.1",)


def never_called(*_):
    raise AssertionError("offscreen sessions and other systems are not checked")


@pytest.mark.parametrize("env, argv, system", [
    ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, (), "linux"),
    ({"QT_QPA_PLATFORM": "minimal"}, (), "linux"),
    ({"QT_QPA_PLATFORM": "vnc"}, (), "linux"),
    ({"DISPLAY": ":0"}, ("-platform", "offscreen"), "linux"),
    ({"DISPLAY": ":0"}, (), "darwin"),
    ({"DISPLAY": ":0"}, (), "win32"),
])
def test_offscreen_and_other_systems_do_nothing(qt_tree, env, argv, system):
    platforms, _ = qt_tree
    assert check_platform(env, argv, platforms, never_called, system) is None


def test_wayland_session_falls_back_to_xcb(qt_tree):
    platforms, system = qt_tree
    session = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    assert platform_check.session_platforms(session) == ["wayland", "xcb"]
    assert platform_check.session_platforms({"WAYLAND_DISPLAY": "wayland-0"}) == ["wayland", "xcb"]
    problem = check_platform(session, (), platforms, resolver(system), "linux")
    assert problem.platform == "xcb"                     # both fail: the X11 libraries are the ones named
    write_elf(system / "libwayland-cursor.so.0")
    assert check_platform(session, (), platforms, resolver(system), "linux") is None     # wayland loads


def test_xcb_without_a_display_is_a_problem(qt_tree):
    platforms, system = qt_tree
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        write_elf(system / name)
    problem = check_platform({}, (), platforms, resolver(system), "linux")
    assert problem == PlatformProblem("xcb", platforms / "libqxcb.so")
    assert "DISPLAY is not set" in explain(problem)


def test_the_message_names_the_libraries_and_three_install_commands():
    problem = PlatformProblem("xcb", Path("/qt/libqxcb.so"),
                              ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-randr.so.0"))
    text = explain(problem)
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1, libxcb-randr.so.0" in text
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-randr0" in text
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms libxcb" in text
    assert "sudo pacman -S xcb-util-cursor xcb-util-wm xcb-util-keysyms libxcb" in text
    assert "Traceback" not in text


def test_a_library_without_a_known_package_is_still_named():
    text = explain(PlatformProblem("xcb", Path("/qt/libqxcb.so"), ("libxcb-icccm.so.4", "libodd.so.7")))
    assert "libodd.so.7" in text.splitlines()[0]
    assert "apt-file search libodd.so.7" in text
    assert "sudo apt-get install libxcb-icccm4\n" in text


@pytest.mark.parametrize("entry", ["app", "studio"])
def test_main_exits_2_with_the_message_before_any_qapplication(monkeypatch, capsys, entry):
    from studio.ui import app

    problem = PlatformProblem("xcb", Path("/qt/libqxcb.so"), ("libxcb-icccm.so.4",))
    monkeypatch.setattr(platform_check, "check_platform", lambda **_: problem)
    monkeypatch.setattr(app, "create_app", never_called)
    if entry == "app":
        assert app.main([]) == 2
    else:
        from studio.__main__ import main
        assert main([]) == 2
    err = capsys.readouterr().err
    assert err.strip() == explain(problem)
    assert "sudo apt-get install libxcb-icccm4" in err and "Traceback" not in err


def test_this_machine_reports_only_libraries_it_lacks():
    """The real PySide6 plugin against this machine's loader paths: whatever is named is absent."""
    platforms = platform_check.default_plugins_dir()
    if platforms is None or not (platforms / "libqxcb.so").is_file() or not sys.platform.startswith("linux"):
        pytest.skip("no PySide6 xcb plugin here")
    found = LibraryResolver()
    missing = platform_check.missing_libraries(platforms / "libqxcb.so", found)
    assert "libQt6XcbQpa.so.6" not in missing and "libc.so.6" not in missing
    for soname in missing:
        assert not any((Path(folder) / soname).is_file() for folder in found.system_dirs)


def test_a_pyinstaller_bundle_searches_its_own_folder_first(monkeypatch, tmp_path):
    bundle = tmp_path / "_internal"
    (bundle / "PySide6" / "Qt" / "plugins" / "platforms").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM_PLUGIN_PATH", raising=False)
    monkeypatch.setattr(platform_check.importlib.util, "find_spec", lambda name: None)
    assert platform_check.system_library_dirs()[0] == str(bundle)
    assert platform_check.default_plugins_dir() == bundle / "PySide6" / "Qt" / "plugins" / "platforms"


def test_genstudio_checks_before_any_qt_gui_module_loads(tmp_path):
    """`python -m studio` with a simulated missing library (a plugin folder whose libqxcb.so needs a library no
    machine has): exit 2 with the message alone, no abort, and QtGui / QtWidgets were never imported."""
    import os
    import subprocess

    plugin = write_elf(tmp_path / "platforms" / "libqxcb.so", ["libgenstudio-absent.so.1"])
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "LD_LIBRARY_PATH")}
    env.update(DISPLAY=":0", QT_QPA_PLATFORM_PLUGIN_PATH=str(plugin.parent), GENSTUDIO_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "studio"], capture_output=True, text=True,
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])
    imported = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    message = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))
    assert done.returncode == 2, done.stderr[-2000:]
    assert message.strip() == explain(PlatformProblem("xcb", plugin, ("libgenstudio-absent.so.1",)))
    assert "apt-file search libgenstudio-absent.so.1" in message and "core dumped" not in message
    assert imported and not any("QtGui" in line or "QtWidgets" in line for line in imported)
