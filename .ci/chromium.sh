#!/usr/bin/env bash
# Headless Chromium and its driver for the browser tests (tests/report/test_browser.py).
#
#   source .ci/chromium.sh   # or run it: the same
#
# Installs Debian's `chromium` and `chromium-driver` when either is missing (root, or passwordless sudo,
# and apt-get needed); when they are already there it does nothing. When they cannot be had, it says so
# on one line and returns: the browser tests then skip. When MODELPICK_TEST_CHROMIUM and
# MODELPICK_TEST_CHROMEDRIVER are both set, they name a browser and driver of your own: nothing is done.

_modelpick_chromium_say() { echo "chromium.sh: $*" >&2; }

# Run a command as root: directly when we are root, else through passwordless sudo.
_modelpick_chromium_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 126
  fi
}

# The browser the tests look for first, by the names they look for (tests/report/conftest.py).
_modelpick_chromium_browser() {
  local name
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

_modelpick_chromium_setup() {
  local log browser driver

  if [ -n "${MODELPICK_TEST_CHROMIUM:-}" ] && [ -n "${MODELPICK_TEST_CHROMEDRIVER:-}" ]; then
    _modelpick_chromium_say "MODELPICK_TEST_CHROMIUM and MODELPICK_TEST_CHROMEDRIVER are set; using those, changing nothing"
    return 0
  fi

  if ! _modelpick_chromium_browser >/dev/null || ! command -v chromedriver >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
      _modelpick_chromium_say "Chromium or chromedriver is missing and there is no apt-get; the browser tests will skip"
      return 1
    fi
    log="$(mktemp)"
    if ! { _modelpick_chromium_root apt-get update -qq \
           && _modelpick_chromium_root env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq chromium chromium-driver; } >"$log" 2>&1
    then
      tail -n 5 "$log" >&2
      _modelpick_chromium_say "could not install chromium and chromium-driver (needs root or passwordless sudo," \
        "and a Debian package mirror); the browser tests will skip"
      rm -f "$log"
      return 1
    fi
    rm -f "$log"
  fi

  if ! browser="$(_modelpick_chromium_browser)" || ! driver="$(command -v chromedriver)"; then
    _modelpick_chromium_say "chromium or chromedriver is still not on PATH after installing; the browser tests will skip"
    return 1
  fi
  # Debian's /usr/bin/chromium wrapper may print shell noise on stderr: only its version line is kept.
  _modelpick_chromium_say "ready: $("$browser" --version 2>/dev/null | head -n 1)," \
    "$("$driver" --version 2>/dev/null | head -n 1 | cut -d ' ' -f 1-2)"
  return 0
}

# Called in a condition, so a caller's `set -e` does not end the caller when a step fails.
_modelpick_chromium_setup || true
unset -f _modelpick_chromium_say _modelpick_chromium_root _modelpick_chromium_browser _modelpick_chromium_setup
# Sourced or run, never fail the caller: without a browser the browser tests skip.
true
