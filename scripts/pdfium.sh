#!/usr/bin/env bash
# Fetches libpdfium (build 8149) from the pinned pypdfium2 wheel on PyPI,
# checks its sha256 and extracts pypdfium2_raw/libpdfium.so into vendor/pdfium/.
# Prints the library's path. PDFIUM_LIB_PATH, if set, is used instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PDFIUM_LIB_PATH:-}" ]; then
  [ -f "$PDFIUM_LIB_PATH" ] || { echo "PDFIUM_LIB_PATH=$PDFIUM_LIB_PATH does not exist" >&2; exit 1; }
  echo "$PDFIUM_LIB_PATH"
  exit 0
fi

VERSION=5.15.2
WHEEL=pypdfium2-$VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
SHA256=dc31aea5b0fb9fefc9b537a65f4113980b2c40798445736a7e6565bc85161e37
DEST=vendor/pdfium
LIB=$DEST/libpdfium.so

if [ -f "$LIB" ] && [ -f "$DEST/.sha256" ] && [ "$(cat "$DEST/.sha256")" = "$SHA256" ]; then
  echo "$PWD/$LIB"
  exit 0
fi
case "$(uname -sm)" in
  "Linux x86_64") ;;
  *) echo "no pinned pdfium wheel for $(uname -sm): set PDFIUM_LIB_PATH to a libpdfium (build 8149)" >&2; exit 1 ;;
esac
command -v python3 >/dev/null 2>&1 || { echo "python3 with pip is needed to fetch pdfium (or set PDFIUM_LIB_PATH)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetching pypdfium2==$VERSION (libpdfium) from PyPI" >&2
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --platform manylinux_2_17_x86_64 --python-version 3.11 "pypdfium2==$VERSION" -d "$tmp" >&2
got=$(sha256sum "$tmp/$WHEEL" | cut -d' ' -f1)
if [ "$got" != "$SHA256" ]; then
  echo "pypdfium2 wheel checksum mismatch: expected $SHA256, got $got" >&2
  exit 1
fi
mkdir -p "$DEST"
python3 - "$tmp/$WHEEL" "$LIB" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read("pypdfium2_raw/libpdfium.so"))
PY
echo "$SHA256" > "$DEST/.sha256"
echo "$PWD/$LIB"
