#!/usr/bin/env bash
# A local PostgreSQL server for the tests that share an Optuna study between workers.
#
#   source .ci/postgres.sh   # sets up the server and exports MODELPICK_TEST_POSTGRES_URL
#   .ci/postgres.sh          # the same, and prints the export line to paste into your shell
#
# Installs Debian's `postgresql` when it is missing (root, or passwordless sudo, and apt-get needed),
# starts the newest cluster (creating one if there is none), and creates the role `modelpick`
# (password `modelpick`, allowed to create databases: the `postgres_url` fixture makes one database per
# test) and the database `modelpick_test`. Every step is idempotent. When something cannot be had, it
# says so on one line and leaves MODELPICK_TEST_POSTGRES_URL unset: the PostgreSQL tests then skip.
# When MODELPICK_TEST_POSTGRES_URL is already set, it points at a server of your own: nothing is done.
#
# The password is a fixed test-only one on a server that listens on localhost; override it with
# MODELPICK_TEST_POSTGRES_PASSWORD.

_modelpick_pg_say() { echo "postgres.sh: $*" >&2; }

# Run a command as root: directly when we are root, else through passwordless sudo.
_modelpick_pg_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 126
  fi
}

# Run a command as the `postgres` superuser (peer authentication on the local socket).
_modelpick_pg_superuser() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n -u postgres "$@"
  else return 126
  fi
}

_modelpick_pg_setup() {
  local role=modelpick db=modelpick_test password="${MODELPICK_TEST_POSTGRES_PASSWORD:-modelpick}"
  local log version port status cluster_line

  if [ -n "${MODELPICK_TEST_POSTGRES_URL:-}" ]; then
    _modelpick_pg_say "MODELPICK_TEST_POSTGRES_URL is already set; using that server, changing nothing"
    return 0
  fi

  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
      _modelpick_pg_say "PostgreSQL is not installed and there is no apt-get; the PostgreSQL tests will skip"
      return 1
    fi
    _modelpick_pg_say "installing Debian's postgresql (apt-get)"
    log="$(mktemp)"
    if ! { _modelpick_pg_root apt-get update -qq \
           && _modelpick_pg_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >"$log" 2>&1
    then
      tail -n 5 "$log" >&2
      _modelpick_pg_say "could not install postgresql (needs root or passwordless sudo, and a package mirror);" \
        "the PostgreSQL tests will skip"
      rm -f "$log"
      return 1
    fi
    rm -f "$log"
  fi

  # The newest installed major version; its `main` cluster, created if the package did not make one.
  version="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"
  if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main" {found=1} END {exit !found}'; then
    _modelpick_pg_say "creating cluster $version/main"
    if ! _modelpick_pg_root pg_createcluster "$version" main >/dev/null 2>&1; then
      _modelpick_pg_say "could not create cluster $version/main; the PostgreSQL tests will skip"
      return 1
    fi
  fi
  cluster_line="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"')"
  port="$(echo "$cluster_line" | awk '{print $3}')"
  status="$(echo "$cluster_line" | awk '{print $4}')"
  if [ "$status" != online ]; then
    _modelpick_pg_say "starting cluster $version/main on port $port"
    # Exit status 2 means "already running" (a race with another start): fine.
    _modelpick_pg_root pg_ctlcluster "$version" main start
    case $? in
      0|2) ;;
      *) _modelpick_pg_say "could not start cluster $version/main (see /var/log/postgresql/);" \
           "the PostgreSQL tests will skip"
         return 1 ;;
    esac
  fi

  # Role and database, idempotently. The role may create databases: one per test.
  if ! _modelpick_pg_superuser psql -p "$port" -X -q -v ON_ERROR_STOP=1 -v role="$role" -v pw="$password" \
       >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw')
\gexec
SQL
  then
    _modelpick_pg_say "could not create role $role; the PostgreSQL tests will skip"
    return 1
  fi
  if ! _modelpick_pg_superuser psql -p "$port" -X -q -v ON_ERROR_STOP=1 -v role="$role" -v db="$db" \
       >/dev/null <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL
  then
    _modelpick_pg_say "could not create database $db; the PostgreSQL tests will skip"
    return 1
  fi

  # Check the way the tests connect: TCP to localhost, password authentication, as the role.
  if ! PGPASSWORD="$password" PGCONNECT_TIMEOUT=5 psql -h localhost -p "$port" -U "$role" -d "$db" -X -q -tAc 'SELECT 1' \
       >/dev/null 2>&1; then
    _modelpick_pg_say "cluster $version/main runs but $role cannot log in over TCP at localhost:$port;" \
      "the PostgreSQL tests will skip"
    return 1
  fi

  export MODELPICK_TEST_POSTGRES_URL="postgresql+psycopg://$role:$password@localhost:$port/$db"
  _modelpick_pg_say "PostgreSQL $version ready: MODELPICK_TEST_POSTGRES_URL=$MODELPICK_TEST_POSTGRES_URL"
  return 0
}

# Called in a condition, so a caller's `set -e` does not end the caller when a step fails.
if _modelpick_pg_setup; then
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "export MODELPICK_TEST_POSTGRES_URL='$MODELPICK_TEST_POSTGRES_URL'"
  fi
fi
unset -f _modelpick_pg_say _modelpick_pg_root _modelpick_pg_superuser _modelpick_pg_setup
# Sourced or run, never fail the caller: without a server the PostgreSQL tests skip.
true
