#!/usr/bin/env bash
# Installs the system packages Baton's tests need, and only those that are missing:
#   - chromium and firefox-esr (Debian's; the end-to-end tests drive them), and openssl (the
#     self-signed certificate of the HTTPS server a hosted desk's host name is mapped to)
#   - Request Tracker 5 with SQLite (a real help desk for the end-to-end tests)
#   - postgresql (the shared store's tests start a throwaway cluster of their own:
#     scripts/services/postgres.ts) and nginx (the reverse proxy in front of two instances,
#     docs/admin.md); neither package's own service is used
# Idempotent and a fast no-op when everything is present. As root it installs with apt-get;
# otherwise it prints what to install and exits non-zero.
#
# RT's root password for the local test install (never exposed beyond 127.0.0.1):
#   BATON_RT_PASSWORD (default: baton-rt-root)
set -euo pipefail

RT_PASSWORD="${BATON_RT_PASSWORD:-baton-rt-root}"
RT_BASE_URL="${BATON_RT_BASE_URL:-http://127.0.0.1:8790}"

browser_pkgs=(chromium firefox-esr openssl)
rt_pkgs=(rt5-db-sqlite rt5-standalone request-tracker5 dma w3m)
server_pkgs=(postgresql nginx)

installed() { # installed PKG -> 0 when dpkg has it fully installed
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing_browsers=()
for p in "${browser_pkgs[@]}"; do installed "$p" || missing_browsers+=("$p"); done
missing_rt=()
for p in "${rt_pkgs[@]}"; do installed "$p" || missing_rt+=("$p"); done
missing_servers=()
for p in "${server_pkgs[@]}"; do installed "$p" || missing_servers+=("$p"); done

if [ ${#missing_browsers[@]} -eq 0 ] && [ ${#missing_rt[@]} -eq 0 ] && [ ${#missing_servers[@]} -eq 0 ]; then
  echo "install-system-deps: chromium, firefox-esr, openssl, Request Tracker 5, postgresql and nginx are present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  {
    echo "install-system-deps: missing system packages: ${missing_browsers[*]}${missing_browsers[*]:+ }${missing_rt[*]}${missing_rt[*]:+ }${missing_servers[*]}"
    echo "Run this script as root, or install them yourself:"
    [ ${#missing_browsers[@]} -gt 0 ] && echo "  sudo apt-get install -y ${missing_browsers[*]}"
    [ ${#missing_servers[@]} -gt 0 ] && echo "  sudo apt-get install -y ${missing_servers[*]}"
    if [ ${#missing_rt[@]} -gt 0 ]; then
      echo "  # Request Tracker 5 on SQLite (answer: database type sqlite3, let dbconfig-common set it up)"
      echo "  sudo apt-get install -y --no-install-recommends ${rt_pkgs[*]}"
    fi
  } >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
echo "install-system-deps: installing ${missing_browsers[*]}${missing_browsers[*]:+ }${missing_rt[*]}${missing_rt[*]:+ }${missing_servers[*]}"
apt-get update -qq

if [ ${#missing_browsers[@]} -gt 0 ]; then
  apt-get install -y -qq "${missing_browsers[@]}"
fi

if [ ${#missing_servers[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing_servers[@]}"
fi

if [ ${#missing_rt[@]} -gt 0 ]; then
  # Pre-answer request-tracker5's debconf questions: SQLite through dbconfig-common, a known
  # root password, the base URL the tests use (scripts/rt and tests/e2e/support/rt.ts
  # override WebBaseURL/port in RT_SiteConfig.d anyway).
  debconf-set-selections <<EOF
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/initial-root-password password ${RT_PASSWORD}
request-tracker5 request-tracker5/webbaseurl string ${RT_BASE_URL}
request-tracker5 request-tracker5/webpath string
request-tracker5 request-tracker5/rtname string baton-test
request-tracker5 request-tracker5/organization string baton.test
request-tracker5 request-tracker5/correspondaddress string rt@baton.test
request-tracker5 request-tracker5/commentaddress string rt-comment@baton.test
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean true
request-tracker5 request-tracker5/install-cronjobs boolean false
dma dma/mailname string baton.test
dma dma/relayhost string
EOF
  apt-get install -y -qq --no-install-recommends "${rt_pkgs[@]}"
fi

echo "install-system-deps: done in $(( $(date +%s) - start ))s"
