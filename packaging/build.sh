#!/usr/bin/env bash
# Build the one-folder CPU bundle dist/genstudio/ from a checkout, then print its size.
#
#   packaging/build.sh            # creates .venv if needed, installs genstudio[packaging], runs PyInstaller
#   PYTHON=python3.12 packaging/build.sh
#
# Installs with constraints.txt (the tested versions). torch comes from wherever pip finds it: for a small
# bundle that pip must resolve torch to the CPU-only wheel (e.g. pass --index-url of PyTorch's CPU wheel index
# in PIP_INDEX_URL / PIP_EXTRA_INDEX_URL); a CUDA wheel works too but adds gigabytes of CUDA libraries.
# Then check it: python3 packaging/check_bundle.py dist/genstudio
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[packaging]"

start=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/genstudio.spec
echo "built dist/genstudio in $(( $(date +%s) - start )) s"
"$VENV/bin/python" - <<'PY'
from pathlib import Path
files = [p for p in Path("dist/genstudio").rglob("*") if p.is_file() and not p.is_symlink()]
size = sum(p.stat().st_size for p in files)
print(f"bundle size: {size / 1e6:,.1f} MB ({size / 2**20:,.1f} MiB) in {len(files):,} files")
PY
echo "run it: dist/genstudio/genstudio   check it: python3 packaging/check_bundle.py dist/genstudio"
