#!/bin/sh
# What PDF reports need on Debian/Ubuntu: headless Chromium (driven by
# Playwright), fonts with full Vietnamese coverage (Noto Sans, Noto Sans Mono:
# Debian's default monospace lacks letters such as ồ, ế, ễ) and poppler-utils
# (pdftotext, pdftoppm: tests and checks).  Installs them with apt-get when
# run as root and something is missing; otherwise says what to install.
# HTML reports need none of this.
set -u
PKGS="chromium fonts-noto-core fonts-noto-mono poppler-utils"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "PDF: đã có đủ gói cần thiết ($PKGS)."
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "PDF: cài đặt:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing && exit 0
    echo "PDF: không cài được$missing; báo cáo HTML vẫn được tạo." >&2
    exit 0
fi
echo "PDF: thiếu gói$missing. Cài bằng: sudo apt-get install$missing"
echo "     (hoặc đặt CCHC_CHROMIUM=/đường/dẫn/chromium). Báo cáo HTML không cần các gói này."
exit 0
