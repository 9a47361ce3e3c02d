#!/usr/bin/env bash
# Installs the system packages GovChain needs, only when one is missing:
# - libcrypto from OpenSSL 3 with SM2 (the gm suite calls it through cffi),
# - the openssl command-line tool (interoperability tests use it as an
#   independent implementation),
# - venv support for the Python that runs the project,
# - a CJK font (fonts-droid-fallback, about 2 MB to download) for the Chinese
#   text of `govchain audit report --out F.pdf` (docs/spec/audit.md),
# - nodejs and npm, for the console's browser code (`make install` builds it
#   with esbuild from src/govchain/console/web; docs/spec/console.md) and for
#   the AssemblyScript compiler of contracts (contract-sdk/assemblyscript/),
# - Debian's rustc with the wasm32 standard library, and lld (its linker), for
#   contracts written in Rust (`govchain contract build`; docs/spec/contracts.md),
# - gcc and the Python headers, for the hot paths `make install` compiles with
#   mypyc (scripts/build_compiled.py; docs/performance.md).
set -euo pipefail

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
ldconfig -p 2>/dev/null | grep -q 'libcrypto\.so\.3' || missing+=(libssl3)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || missing+=(fonts-droid-fallback)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/rustc ] || missing+=(rustc)
compgen -G "/usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null || missing+=(libstd-rust-dev-wasm32)
command -v wasm-ld >/dev/null 2>&1 || missing+=(lld)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
python="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$python" ]; then
  missing+=(python3.11 python3.11-venv python3.11-dev)
else
  "$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  "$python" -c 'import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || missing+=(python3-dev)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: need root to install ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
