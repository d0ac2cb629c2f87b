#!/usr/bin/env bash
# Install what the test suite needs from Debian packages when it is missing:
# PostgreSQL server binaries (with pgbench), Chromium for the browser tests, and wrk, the load
# generator of the check-in benchmark (make bench).
set -euo pipefail
need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then need+=(postgresql postgresql-contrib); fi
if ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if ! command -v wrk >/dev/null 2>&1; then need+=(wrk); fi
# Chinese glyphs for the screenshots the browser tests take.
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then need+=(fonts-noto-cjk); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "Installing from Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
