# Shared shell functions: install and start what the tests need.
# Sourced by scripts/test. Every function is idempotent and says what it does.

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  # apt_install PKG... : install the Debian packages that are missing.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  # A PostgreSQL on 127.0.0.1:5432 that lets user postgres in without a
  # password, with a database named `test`.
  if ! command -v pg_isready >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  if ! pg_ready; then
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$version" ]; then
      apt_install postgresql
      version=$(ls /etc/postgresql | sort -V | tail -n 1)
    fi
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Test machines only: trust loopback connections, first rule wins.
    if ! grep -q "portcullis-test" "$hba"; then
      log "allowing trusted loopback connections to the test PostgreSQL"
      as_root sed -i '1i host all all 127.0.0.1/32 trust # portcullis-test\nhost all all ::1/128 trust # portcullis-test' "$hba"
    fi
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root service postgresql start
    for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
    pg_ready || { log "PostgreSQL did not start"; return 1; }
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1; then
    log "creating database test"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
  fi
}

ensure_browser() {
  # Headless Chromium and its WebDriver from Debian, and axe-core from npm
  # (installed under target/, never committed). Exports PORTCULLIS_AXE_JS.
  apt_install chromium chromium-driver
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  local dir="target/axe-core"
  if [ ! -f "$dir/node_modules/axe-core/axe.min.js" ]; then
    log "installing axe-core from npm into $dir"
    mkdir -p "$dir"
    (cd "$dir" && npm install --silent --no-audit --no-fund --no-save axe-core@4 >/dev/null)
  fi
  PORTCULLIS_AXE_JS="$(pwd)/$dir/node_modules/axe-core/axe.min.js"
  export PORTCULLIS_AXE_JS
}

ensure_dns_lab() {
  # The shared DNS lab (Knot + validating Unbound on loopback), from the
  # `shared` directory beside the repository (or $PORTCULLIS_SHARED).
  # Exports PORTCULLIS_DNS_LAB, the resolver's IP:PORT.
  local shared="${PORTCULLIS_SHARED:-$(cd .. && pwd)/shared}"
  if [ ! -x "$shared/dns-lab/start.sh" ]; then
    log "no DNS lab at $shared/dns-lab (set PORTCULLIS_SHARED to the shared directory)"
    return 1
  fi
  log "starting the DNS lab"
  as_root "$shared/dns-lab/start.sh" >/dev/null
  # shellcheck source=/dev/null
  PORTCULLIS_DNS_LAB="$(. "$shared/dns-lab/lab.env" && echo "$RESOLVER"):53"
  export PORTCULLIS_DNS_LAB
  PORTCULLIS_SHARED="$shared"
  export PORTCULLIS_SHARED
}

ensure_dovecot() {
  # Dovecot's IMAP server from Debian, for the IMAP tests. The tests start
  # their own private dovecot on free loopback ports (see
  # crates/testkit/src/dovecot.rs); the package's system service is kept from
  # starting during the install and stopped if it runs anyway.
  # Exports PORTCULLIS_REQUIRE_IMAP=1.
  if [ ! -x /usr/sbin/dovecot ]; then
    local policy=/usr/sbin/policy-rc.d ours=0
    if [ ! -e "$policy" ]; then
      # Debian's invoke-rc.d asks this file first; 101 means "do not start".
      printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
      as_root chmod 755 "$policy"
      ours=1
    fi
    apt_install dovecot-imapd
    if [ $ours -eq 1 ]; then as_root rm -f "$policy"; fi
  fi
  if pgrep -x dovecot >/dev/null 2>&1 && [ -f /run/dovecot/master.pid ]; then
    log "stopping the system dovecot service (the tests run their own)"
    as_root service dovecot stop >/dev/null 2>&1 || as_root doveadm -c /etc/dovecot/dovecot.conf stop >/dev/null 2>&1 || true
  fi
  [ -x /usr/sbin/dovecot ] || { log "dovecot did not install"; return 1; }
  PORTCULLIS_REQUIRE_IMAP=1
  export PORTCULLIS_REQUIRE_IMAP
}
