#!/usr/bin/env bash
# Render a report page with headless Chromium (Debian's `chromium`) to a PNG, to look at what a report
# produced: scripts/screenshot_report.sh REPORT_DIR/index.html OUT.png [WIDTH HEIGHT]
set -euo pipefail
page=$(realpath "$1")
out=$(realpath -m "$2")
width=${3:-1400}
height=${4:-3000}
command -v chromium >/dev/null || { echo "screenshot_report: needs chromium (apt-get install -y chromium)" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$width,$height" --screenshot="$out" "file://$page" 2>/dev/null
echo "$out"
