#!/usr/bin/env bash
# Create .venv and install Osprey with its test extras, plus the system packages the tests need.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and the demo use (fonts for text watermarks, ...).
SYSTEM_PACKAGES=(
  # watermark fonts, mapped to OSS's font names in proxy/process/image/fonts.py
  fonts-wqy-zenhei fonts-wqy-microhei fonts-noto-cjk fonts-arphic-ukai fonts-droid-fallback
  # documents (doc/*): LibreOffice without a GUI converts office files to PDF; Liberation keeps
  # Office's metrics (Arial, Times New Roman, Courier New) so pages break where Word breaks them
  libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-liberation2
  # the document sandbox: LibreOffice runs with no view of the host filesystem
  bubblewrap
)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[${OSPREY_EXTRAS:-test}]"
