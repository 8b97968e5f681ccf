#!/usr/bin/env bash
# Article-page latency and throughput under load (wrk, 64 connections), side
# by side in one run with nginx serving the same page's HTML as a static file;
# then latency at a steady load below saturation, where a closed loop of 64
# connections measures mostly its own queue (64 / throughput).
# Usage: bench/site.sh   (ARTICLES=100000 DURATION=15s WORK=/tmp/newsdesk-bench)
# The archive is written by the dev-only tool `newsdesk-bench generate` into
# SQLite. With POSTGRES=postgres://… (an empty database, or one this script
# filled before), the archive is moved there once with `newsdesk migrate`
# and the site is served from PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ARTICLES=${ARTICLES:-100000}
DURATION=${DURATION:-15s}
WORK=${WORK:-/tmp/newsdesk-bench}
PORT=18080
NGINX_PORT=18081

command -v wrk >/dev/null && command -v nginx >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light
}
cargo build --release -q -p newsdesk -p newsdesk-bench
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk
BENCH=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk-bench
mkdir -p "$WORK/www"
export NEWSDESK_DATABASE="$WORK/bench.db"
if [ ! -s "$WORK/newest-$ARTICLES" ]; then
  rm -f "$WORK"/bench.db*
  "$BENCH" generate --database "$NEWSDESK_DATABASE" --articles "$ARTICLES" > "$WORK/newest-$ARTICLES"
fi
NEWEST=$(cat "$WORK/newest-$ARTICLES")
# The index (and image cache) stay in $WORK whichever database serves.
export NEWSDESK_SEARCH_DIR="$WORK/search"
if [ -n "${POSTGRES:-}" ]; then
  marker="$WORK/migrated-$ARTICLES-$(printf %s "$POSTGRES" | md5sum | cut -c1-8)"
  if [ ! -s "$marker" ]; then
    "$BIN" migrate --from "sqlite:$NEWSDESK_DATABASE" --to "$POSTGRES" | tail -n 1 > "$marker"
  fi
  export NEWSDESK_DATABASE="$POSTGRES"
fi
echo "database: $NEWSDESK_DATABASE"

cat > "$WORK/config.toml" <<CONF
listen = "127.0.0.1:$PORT"
starter_feeds = []
[crawl]
tick_secs = 86400
CONF
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
# Random articles among the archive; a unique query string on each request
# keeps every one a page-cache miss, so each is rendered from SQLite.
cat > "$WORK/random-article.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/article/" .. math.random($NEWEST - $ARTICLES + 1, $NEWEST) .. "?miss=" .. n .. "-" .. math.random(1e9))
end
LUA
# The same requests at a steady pace: 16 connections, each waiting 16 ms
# before its next request, so at most 1,000 requests/s.
{ cat "$WORK/random-article.lua"; echo 'delay = function() return 16 end'; } > "$WORK/random-article-paced.lua"

RUST_LOG=warn "$BIN" --config "$WORK/config.toml" serve > /dev/null &
SERVER=$!
nginx -c "$WORK/nginx.conf" -p "$WORK"
trap 'kill $SERVER 2>/dev/null; nginx -c "$WORK/nginx.conf" -p "$WORK" -s stop 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/article/$NEWEST" > "$WORK/www/article.html"
echo "article page: $(wc -c < "$WORK/www/article.html") bytes; archive: $ARTICLES articles"

echo "== newsdesk: one article page"
wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT/article/$NEWEST"
echo "== newsdesk: random article pages"
wrk -t2 -c64 -d"$DURATION" --latency -s "$WORK/random-article.lua" "http://127.0.0.1:$PORT"
echo "== newsdesk: random article pages, paced (at most 1,000 requests/s)"
wrk -t2 -c16 -d"$DURATION" --latency -s "$WORK/random-article-paced.lua" "http://127.0.0.1:$PORT"
echo "== nginx: the same page as a static file"
wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$NGINX_PORT/article.html"
