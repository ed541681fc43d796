#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (CI runs as root
# on a fresh machine). Java 17 and Maven are expected on the machine; this says so if not.
set -euo pipefail

need=()
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 \
  || need+=(docker-compose)
for pkg in "$@"; do
  case "$pkg" in
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation) ;;
    *) need+=("$pkg") ;;
  esac
done

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${need[*]}. Install them: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v java >/dev/null 2>&1 || { echo "Java 17 is required (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "Maven is required (apt-get install maven)" >&2; exit 1; }
