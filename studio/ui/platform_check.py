"""Before the QApplication exists: can the Qt platform plugin this session will use load?

PySide6's X11 plugin (libqxcb.so) needs system libraries that pip cannot bring (libxcb-cursor0,
libxcb-icccm4, libxcb-keysyms1, …). Without them Qt prints "Could not load the Qt platform plugin xcb"
and aborts with a core dump. This module resolves the plugin's DT_NEEDED entries, and theirs, the way
the dynamic loader would (RPATH/RUNPATH with $ORIGIN, LD_LIBRARY_PATH, /etc/ld.so.conf, the default
folders), reading ELF headers only: nothing is loaded, no subprocess runs, a few milliseconds.

Pure Python: it must not import PySide6's QtGui or QtWidgets (loading those can itself fail). Linux only;
offscreen, minimal and vnc sessions are not checked. `python -m studio.ui.platform_check` prints the
verdict for this session (exit 0, or 2 with the message).
"""
from __future__ import annotations

import glob
import importlib.util
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

UNCHECKED_PLATFORMS = frozenset({"offscreen", "minimal", "vnc"})

# soname → (Debian/Ubuntu, Fedora, Arch) package. The xcb plugin's closure, plus what Qt's own libraries need.
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libXau.so.6": ("libxau6", "libXau", "libxau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp", "libxdmcp"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx", "libglvnd"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client", "wayland"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor", "wayland"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl", "wayland"),
}
DISTROS = (("Debian/Ubuntu", "sudo apt-get install"), ("Fedora", "sudo dnf install"), ("Arch", "sudo pacman -S"))


@dataclass(frozen=True)
class PlatformProblem:
    """Why the session's platform plugin cannot start: `missing` sonames, or no display (`missing` empty)."""
    platform: str
    plugin: Path | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ElfInfo:
    """What the loader reads from a shared object: its word size and machine (a 32-bit or foreign-arch
    library of the right name does not count), DT_NEEDED, DT_RPATH and DT_RUNPATH."""
    elf_class: int
    machine: int
    needed: tuple[str, ...]
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()


def read_elf(path: Path) -> ElfInfo | None:
    """The dynamic section of an ELF file (section headers only), or None when it is not one we can read."""
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
                return None
            is64, order = ident[4] == 2, "<" if ident[5] == 1 else ">"
            header = f.read(48 if is64 else 36)
            if is64:
                _, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, _ = struct.unpack(order + "HHIQQQIHHHHHH", header)
            else:
                _, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, _ = struct.unpack(order + "HHIIIIIHHHHHH", header)
            f.seek(shoff)
            table = f.read(shentsize * shnum)
            # (type, offset, size, link) of each section header
            fmt, at = (order + "IIQQQQII", (1, 4, 5, 6)) if is64 else (order + "IIIIIIII", (1, 4, 5, 6))
            sections = []
            for i in range(shnum):
                fields = struct.unpack_from(fmt, table, i * shentsize)
                sections.append(tuple(fields[j] for j in at))
            dynamic = next((s for s in sections if s[0] == 6), None)           # SHT_DYNAMIC
            if dynamic is None or dynamic[3] >= len(sections):
                return ElfInfo(ident[4], machine, ())
            f.seek(dynamic[1])
            entries = f.read(dynamic[2])
            strtab = sections[dynamic[3]]
            f.seek(strtab[1])
            strings = f.read(strtab[2])
    except (OSError, struct.error):
        return None
    entry = order + ("qQ" if is64 else "iI")
    tags: dict[int, list[str]] = {1: [], 15: [], 29: []}                       # DT_NEEDED, DT_RPATH, DT_RUNPATH
    for tag, value in struct.iter_unpack(entry, entries[: len(entries) - len(entries) % struct.calcsize(entry)]):
        if tag == 0:
            break
        if tag in tags and value < len(strings):
            tags[tag].append(strings[value:strings.index(b"\0", value)].decode("utf-8", "replace"))

    def folders(values: list[str]) -> tuple[str, ...]:
        return tuple(d for v in values for d in v.split(":") if d)

    return ElfInfo(ident[4], machine, tuple(tags[1]), folders(tags[15]), folders(tags[29]))


def system_library_dirs() -> list[str]:
    """The folders the loader searches after RUNPATH: /etc/ld.so.conf (with its includes), then the defaults."""
    dirs: list[str] = []

    def read_conf(conf: str, depth: int = 0) -> None:
        try:
            lines = Path(conf).read_text(errors="replace").splitlines()
        except OSError:
            return
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line.startswith("include") and depth < 8:
                for pattern in line.split()[1:]:
                    for included in sorted(glob.glob(os.path.join(os.path.dirname(conf), pattern))):
                        read_conf(included, depth + 1)
            elif line and not line.startswith("hwcap"):
                dirs.extend(d for d in line.replace(",", " ").split() if d.startswith("/"))

    read_conf("/etc/ld.so.conf")
    dirs += ["/lib64", "/usr/lib64", "/lib", "/usr/lib"]
    bundle = getattr(sys, "_MEIPASS", None)                # a PyInstaller bundle's own copies of libraries
    if bundle:
        dirs.insert(0, bundle)
    return list(dict.fromkeys(dirs))


class LibraryResolver:
    """Finds the file the dynamic loader would load for a soname needed by an object (ld.so(8)'s order)."""

    def __init__(self, env: Mapping[str, str] | None = None, system_dirs: Sequence[str] | None = None):
        env = os.environ if env is None else env
        self.ld_library_path = [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d]
        self.system_dirs = list(system_library_dirs() if system_dirs is None else system_dirs)
        self._elf: dict[str, ElfInfo | None] = {}

    def elf(self, path: Path) -> ElfInfo | None:
        key = str(path)
        if key not in self._elf:
            self._elf[key] = read_elf(path)
        return self._elf[key]

    def __call__(self, soname: str, requester: Path, info: ElfInfo) -> Path | None:
        if "/" in soname:
            return Path(soname) if os.path.isfile(soname) else None
        origin = str(requester.parent)
        own = [d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)
               for d in (info.rpath if not info.runpath else ())]
        runpath = [d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for d in info.runpath]
        for folder in [*own, *self.ld_library_path, *runpath, *self.system_dirs]:
            candidate = Path(folder) / soname
            if candidate.is_file():
                found = self.elf(candidate)
                if found is not None and (found.elf_class, found.machine) == (info.elf_class, info.machine):
                    return candidate
        return None


Resolve = Callable[[str, Path, ElfInfo], "Path | None"]


def missing_libraries(plugin: Path, resolve: Resolve | None = None) -> tuple[str, ...]:
    """The sonames in `plugin`'s dependency closure that the loader would not find, in the order met."""
    resolve = resolve or LibraryResolver()
    read = getattr(resolve, "elf", read_elf)            # the resolver's cache of ELF headers, when it has one
    missing: list[str] = []
    seen: set[str] = set()
    queue = [plugin]
    while queue:
        current = queue.pop(0)
        info = read(current)
        if info is None:
            continue
        for soname in info.needed:
            if soname in seen:
                continue
            seen.add(soname)
            found = resolve(soname, current, info)
            if found is None:
                missing.append(soname)
            else:
                queue.append(found)
    return tuple(missing)


def session_platforms(env: Mapping[str, str], argv: Sequence[str] = ()) -> list[str]:
    """The platform plugins Qt will try, in order, as QGuiApplication picks them (Qt 6): `-platform` wins,
    then QT_QPA_PLATFORM (a ';' list), else wayland first in a Wayland session, and xcb."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg in ("-platform", "--platform") and i + 1 < len(args):
            return _names(args[i + 1])
    if env.get("QT_QPA_PLATFORM"):
        return _names(env["QT_QPA_PLATFORM"])
    order = ["xcb"] if env.get("DISPLAY") else []
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        order.insert(0, "wayland")
    return order if "xcb" in order else [*order, "xcb"]


def _names(value: str) -> list[str]:
    return [part.split(":", 1)[0].strip() for part in value.split(";") if part.strip()]


def default_plugins_dir() -> Path | None:
    """PySide6's platforms/ folder (QT_QPA_PLATFORM_PLUGIN_PATH first), found without importing any Qt module."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("PySide6")
    roots = list(spec.submodule_search_locations or []) if spec else []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(os.path.join(bundle, "PySide6"))
    for root in roots:
        folder = Path(root) / "Qt" / "plugins" / "platforms"
        if folder.is_dir():
            return folder
    return None


def check_platform(env: Mapping[str, str] | None = None, argv: Sequence[str] = (),
                   plugins_dir: Path | None = None, resolve: Resolve | None = None,
                   system: str | None = None) -> PlatformProblem | None:
    """None when the session's platform plugin can start (or is not ours to judge), else what stops it.

    The session fails only when every platform Qt will try fails; then the one with missing libraries is
    reported (installing those is what helps), xcb first (it also runs under XWayland), else an xcb with no
    DISPLAY."""
    env = os.environ if env is None else env
    if not (system or sys.platform).startswith("linux"):
        return None
    folder = plugins_dir if plugins_dir is not None else default_plugins_dir()
    problems = []
    for name in session_platforms(env, argv):
        plugin = folder / f"libq{name}.so" if folder is not None else None
        if name in UNCHECKED_PLATFORMS or plugin is None or not plugin.is_file():
            return None                          # nothing to check, or not a plugin we know how to judge
        missing = missing_libraries(plugin, resolve)
        if missing:
            problems.append(PlatformProblem(name, plugin, missing))
        elif name == "xcb" and not env.get("DISPLAY"):
            problems.append(PlatformProblem(name, plugin))
        else:
            return None
    with_libraries = sorted((p for p in problems if p.missing), key=lambda p: p.platform != "xcb")
    return (with_libraries or problems or [None])[0]


def packages_for(missing: Sequence[str]) -> tuple[list[list[str]], list[str]]:
    """Per distro (DISTROS' order) the packages that provide `missing`, and the sonames no package is known for."""
    per_distro: list[list[str]] = [[], [], []]
    unknown = []
    for soname in missing:
        if soname not in PACKAGES:
            unknown.append(soname)
            continue
        for packages, package in zip(per_distro, PACKAGES[soname]):
            if package not in packages:
                packages.append(package)
    return per_distro, unknown


def explain(problem: PlatformProblem) -> str:
    """The message printed to stderr (before any translator exists, so in English)."""
    if not problem.missing:
        return ("genstudio: there is no display to open the window on (DISPLAY is not set).\n"
                "Start it from a desktop session, or without a screen with QT_QPA_PLATFORM=offscreen;\n"
                "the command line works anywhere: genstudio --help")
    per_distro, unknown = packages_for(problem.missing)
    lines = [f'genstudio: the Qt platform plugin "{problem.platform}" cannot load: '
             f"these system libraries are missing: {', '.join(problem.missing)}",
             f"  (needed by {problem.plugin})",
             "Install them, then start genstudio again:"]
    if any(per_distro):
        width = max(len(distro) for distro, _ in DISTROS) + 2
        for (distro, command), packages in zip(DISTROS, per_distro):
            lines.append(f"  {distro + ':':<{width}}{command} {' '.join(packages)}")
    for soname in unknown:
        lines.append(f"  {soname}: find its package with `apt-file search {soname}`, "
                     f"`dnf provides '*/{soname}'` or `pacman -F {soname}`")
    lines.append("Without a screen, QT_QPA_PLATFORM=offscreen works; the command line needs none: genstudio --help")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print whether this session's platform plugin can load: exit 0, or 2 with the message."""
    problem = check_platform(argv=sys.argv[1:] if argv is None else argv)
    if problem is None:
        print("genstudio: the Qt platform plugin for this session can load")
        return 0
    print(explain(problem), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
