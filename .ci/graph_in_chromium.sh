#!/usr/bin/env bash
# Load `shoal graph --output-format html` of a small project in headless Chromium and fail on
# a script error: the page marks <body data-shoal-ready="1"> only when its script ran to the
# end, and Chromium's console log must hold no "Uncaught". Skips (exit 0, with the reason)
# when no Chromium is installed.
set -euo pipefail
browser=""
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then browser="$name"; break; fi
done
if [ -z "$browser" ]; then
    echo "graph html check skipped: no chromium on this machine" >&2
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proj/pkg"
printf '[tool.shoal]\n' > "$work/proj/pyproject.toml"
: > "$work/proj/pkg/__init__.py"
printf 'import pkg.b\n\ndef f():\n    from pkg import c\n    return c\n' > "$work/proj/pkg/a.py"
printf 'from pkg import a\n' > "$work/proj/pkg/b.py"
printf 'from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n' \
    > "$work/proj/pkg/c.py"
(cd "$work/proj" && shoal graph --output-format html --output-file "$work/page.html" \
    --no-cache --workers 0)
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
"$browser" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
    --virtual-time-budget=2000 --dump-dom "file://$work/page.html" \
    > "$work/dom.html" 2> "$work/console.log" || true
if grep -q "Uncaught" "$work/console.log"; then
    echo "graph html check failed: a script error in the page:" >&2
    grep "Uncaught" "$work/console.log" >&2
    exit 1
fi
if ! grep -q 'data-shoal-ready="1"' "$work/dom.html"; then
    echo "graph html check failed: the page's script did not run to the end" >&2
    tail -n 20 "$work/console.log" >&2
    exit 1
fi
echo "graph html check: the page's script ran in $browser without an error"
