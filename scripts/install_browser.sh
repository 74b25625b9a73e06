#!/usr/bin/env bash
# The headless browser the report test loads its page in: Debian's chromium, installed once.
# Called by `make test` (and so by .ci/run); does nothing where chromium is already installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "error: the report test needs chromium; install it (Debian: apt-get install chromium) and rerun" >&2
  exit 2
fi
for attempt in 1 2 3; do
  if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
  echo "chromium install attempt $attempt failed; retrying" >&2
  sleep 10
done
echo "error: could not install chromium with apt-get" >&2
exit 2
