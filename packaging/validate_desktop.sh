#!/usr/bin/env bash
# Validate the desktop integration in resources/: the .desktop entry, the AppStream metainfo, the icons.
# Needs desktop-file-utils and appstream (Debian/Ubuntu: apt-get install -y desktop-file-utils appstream).
# Fails (exit 1) on any error or warning; prints what each tool said.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_ID=io.github.genstudio.GenStudio

for tool in desktop-file-validate appstreamcli; do
    command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install -y desktop-file-utils appstream" >&2; exit 2; }
done

echo "== desktop-file-validate resources/$APP_ID.desktop"
out=$(desktop-file-validate "resources/$APP_ID.desktop" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "$out"; echo "desktop-file-validate: not clean" >&2; exit 1; }
echo "clean"

echo "== appstreamcli validate --no-net resources/$APP_ID.metainfo.xml ($(appstreamcli --version))"
appstreamcli validate --no-net "resources/$APP_ID.metainfo.xml"

echo "== the metainfo names the .desktop file, the app's desktop file name and the version"
grep -q "<launchable type=\"desktop-id\">$APP_ID.desktop</launchable>" "resources/$APP_ID.metainfo.xml"
grep -q "DESKTOP_FILE_NAME = \"$APP_ID\"" studio/ui/app.py
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' studio/__init__.py)
grep -q "<release version=\"$version\"" "resources/$APP_ID.metainfo.xml" \
    || { echo "no <release version=\"$version\"> in the metainfo (studio/__init__.py says $version)" >&2; exit 1; }
echo "ok ($version)"

echo "== icons"
for n in 16 32 48 64 128 256 512; do
    png="resources/icons/hicolor/${n}x${n}/apps/$APP_ID.png"
    [ -f "$png" ] || { echo "missing $png (run packaging/render_icons.py)" >&2; exit 1; }
done
[ -f "resources/icons/hicolor/scalable/apps/$APP_ID.svg" ] || { echo "missing the scalable SVG" >&2; exit 1; }
echo "ok: scalable SVG + 16 32 48 64 128 256 512 px"
