# Sourced by scripts/run, scripts/test and .ci/run: makes sure Postgres and
# Redis answer on localhost, starting them if they are installed but stopped,
# and says what to install if they are missing.

PG_HOST=${PG_HOST:-localhost}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null
  fi
}

wait_until() { # wait_until SECONDS CHECK...
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

ensure_postgres() {
  pg_up && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || pg_ctlcluster "$version" main start \
      || die "could not start PostgreSQL $version"
  elif command -v pg_ctl >/dev/null 2>&1 && [ -n "${PGDATA:-}" ]; then
    say "starting PostgreSQL ($PGDATA)"
    pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" start >/dev/null || die "could not start PostgreSQL"
  else
    die "PostgreSQL (15 or newer) is not installed or not running on $PG_HOST:$PG_PORT.
  Debian/Ubuntu: sudo apt-get install postgresql
  macOS:         brew install postgresql@16 && brew services start postgresql@16
  Then allow local connections as user 'postgres' (trust), or set DATABASE_URL."
  fi
  wait_until 30 pg_up || die "PostgreSQL did not come up on $PG_HOST:$PG_PORT"
}

ensure_redis() {
  redis_up && return 0
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis on port $REDIS_PORT"
    local dir=/var/lib/redis
    [ -w "$dir" ] || dir=$(mktemp -d)
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir "$dir" --logfile "$dir/talenti-redis.log" >/dev/null \
      || die "could not start Redis"
  else
    die "Redis (6.2 or newer) is not installed or not running on 127.0.0.1:$REDIS_PORT.
  Debian/Ubuntu: sudo apt-get install redis-server
  macOS:         brew install redis && brew services start redis"
  fi
  wait_until 30 redis_up || die "Redis did not come up on port $REDIS_PORT"
}

# The dashboard's browser test drives Debian's chromium through chromedriver.
ensure_browser() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing chromium and chromium-driver (the dashboard's browser test)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
      || die "could not install chromium and chromium-driver"
  else
    die "the browser test needs chromium and chromedriver.
  Debian/Ubuntu: sudo apt-get install chromium chromium-driver"
  fi
}

# Workers read scanned (image-only) resumes with Tesseract.
ensure_ocr() {
  command -v tesseract >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing tesseract-ocr (OCR of scanned resumes)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null \
      || die "could not install tesseract-ocr"
  else
    die "reading scanned resumes needs Tesseract.
  Debian/Ubuntu: sudo apt-get install tesseract-ocr"
  fi
}

ensure_services() {
  command -v cargo >/dev/null 2>&1 || die "Rust is not installed: see https://rustup.rs"
  ensure_postgres
  ensure_redis
}

# Creates the database named in DATABASE_URL if it does not exist.
ensure_database() {
  local url=$1 db admin
  db=${url##*/}; db=${db%%\?*}
  admin=${url%/*}/postgres
  if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null | grep -q 1; then
    say "creating database $db"
    psql "$admin" -qc "CREATE DATABASE \"$db\"" || die "could not create database $db (check DATABASE_URL)"
  fi
}
