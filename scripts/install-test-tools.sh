#!/usr/bin/env bash
# Installs the system tools that only the tests use, when one is missing:
# - zbarimg (Debian package zbar-tools, about 4 MB to download without its
#   recommends): an independent QR decoder that reads back the PNG images of
#   authorization codes (tests/unit/client/test_auth_codes.py).
# - chromium (Debian's build, /usr/bin/chromium): the console's browser tests
#   drive it with Python Playwright through executable_path
#   (tests/browser/); Playwright never downloads a browser of its own.
# Without root it prints what to install and carries on; the tests that need
# a missing tool are then skipped with that reason.
set -euo pipefail

missing=()
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: tests that need ${missing[*]} will be skipped (run: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 0
fi
echo "installing test tools: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
