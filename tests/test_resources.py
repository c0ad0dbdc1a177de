"""The desktop integration in resources/: the .desktop entry, AppStream metainfo and icons agree with the app."""
import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

import studio
from studio.ui.app import DESKTOP_FILE_NAME, app_icon, resources_dir

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def test_resources_dir_is_the_checkouts():
    assert resources_dir() == RESOURCES


def test_desktop_entry_names_the_app_and_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str                                    # keys are case-sensitive
    entry.read(RESOURCES / f"{DESKTOP_FILE_NAME}.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Icon"] == DESKTOP_FILE_NAME
    assert desktop["Exec"].split()[0] == "genstudio"
    assert desktop["Categories"].endswith(";")


def test_metainfo_matches_the_desktop_entry_and_version():
    root = ET.parse(RESOURCES / f"{DESKTOP_FILE_NAME}.metainfo.xml").getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == DESKTOP_FILE_NAME
    assert root.findtext("launchable[@type='desktop-id']") == f"{DESKTOP_FILE_NAME}.desktop"
    assert root.findtext("provides/binary") == "genstudio"
    assert root.find("content_rating") is not None
    for tag in ("name", "summary", "metadata_license", "project_license"):
        assert root.findtext(tag), tag
    assert [r.get("version") for r in root.iter("release")][0] == studio.__version__


@pytest.mark.parametrize("size", SIZES)
def test_icon_png_sizes(size):
    path = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{DESKTOP_FILE_NAME}.png"
    with Image.open(path) as image:
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0                  # transparent corner: the rounded square
        assert image.getpixel((size // 2, size // 2))[3] == 255


def test_window_icon_has_every_size(qtbot):
    from studio.ui.app import create_app

    create_app()
    sizes = {s.width() for s in app_icon().availableSizes()}
    assert sizes == set(SIZES)


def test_docs_defaults_is_what_the_code_says():
    """docs/defaults.md is generated from the families' defaults: a changed default regenerates it."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(root / "scripts" / "defaults_table.py"), "--check"], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
