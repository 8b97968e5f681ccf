#!/usr/bin/env bash
# "For you" latency for a reader following 50 things (20 sources, 25
# people, organisations and places, 3 sections, 2 saved searches) over the
# 100,000-article archive of bench/site.sh: the whole page over HTTP with
# the reader's session: two readers reloading without pause, a paced load
# (16 connections, 16 ms apart: at most 1,000 requests/s) and saturated
# (64 connections).
# Usage: bench/for-you.sh   (ARTICLES=100000 DURATION=15s WORK=/tmp/newsdesk-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ARTICLES=${ARTICLES:-100000}
DURATION=${DURATION:-15s}
WORK=${WORK:-/tmp/newsdesk-bench}
PORT=18082
SITE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null && command -v sqlite3 >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk sqlite3
}
cargo build --release -q -p newsdesk -p newsdesk-bench
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk
BENCH=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk-bench
mkdir -p "$WORK"
if [ ! -s "$WORK/newest-$ARTICLES" ]; then
  rm -f "$WORK"/bench.db*
  "$BENCH" generate --database "$WORK/bench.db" --articles "$ARTICLES" > "$WORK/newest-$ARTICLES"
fi
# A copy, so the reader's rows never change what bench/site.sh measures.
DB="$WORK/for-you.db"
rm -f "$DB"*
sqlite3 "$WORK/bench.db" ".backup '$DB'"
export NEWSDESK_DATABASE="$DB" NEWSDESK_SEARCH_DIR="$WORK/search"
cat > "$WORK/config-for-you.toml" <<CONF
listen = "127.0.0.1:$PORT"
starter_feeds = []
[crawl]
tick_secs = 86400
CONF
echo "a long enough password" | "$BIN" --config "$WORK/config-for-you.toml" admin create follower > /dev/null
RUST_LOG=warn "$BIN" --config "$WORK/config-for-you.toml" serve > /dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "$SITE/healthz" >/dev/null && break; sleep 0.2; done

JAR="$WORK/for-you.cookies"
rm -f "$JAR"
csrf() { curl -s -b "$JAR" -c "$JAR" "$SITE$1" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | cut -d'"' -f4; }
curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "csrf=$(csrf /login)&username=follower&password=a+long+enough+password" "$SITE/login"
TOKEN=$(csrf /for-you)
follow() {
  curl -s -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$TOKEN" -d "mode=follow" \
    -d "kind=$1" --data-urlencode "key=$2" "$SITE/me/interests" | grep -q 303
}
for slug in $(sqlite3 "$DB" "SELECT slug FROM sources ORDER BY id LIMIT 20"); do follow source "$slug"; done
for slug in $(sqlite3 "$DB" "SELECT slug FROM entities ORDER BY id LIMIT 25"); do follow entity "$slug"; done
for section in world science sports; do follow section "$section"; done
for words in "$(sqlite3 "$DB" "SELECT title FROM articles ORDER BY id DESC LIMIT 1" | cut -d' ' -f1-2)" \
             "$(sqlite3 "$DB" "SELECT title FROM articles ORDER BY id LIMIT 1" | cut -d' ' -f2)"; do
  follow search "$words"
done
echo "follows: $(sqlite3 "$DB" "SELECT count(*) FROM interests"); archive: $ARTICLES articles"
SESSION=$(awk '$6 == "nd_session" { print $7 }' "$JAR")
curl -sf -H "Cookie: nd_session=$SESSION" "$SITE/for-you" > "$WORK/for-you.html"
echo "page: $(wc -c < "$WORK/for-you.html") bytes, $(grep -o '<article class="card' "$WORK/for-you.html" | wc -l) cards"
echo 'delay = function() return 16 end' > "$WORK/paced.lua"

echo "== For you, two readers reloading without pause"
wrk -t1 -c2 -d"$DURATION" --latency -H "Cookie: nd_session=$SESSION" "$SITE/for-you"
echo "== For you, paced (at most 1,000 requests/s)"
wrk -t2 -c16 -d"$DURATION" --latency -s "$WORK/paced.lua" -H "Cookie: nd_session=$SESSION" "$SITE/for-you"
echo "== For you, saturated (64 connections)"
wrk -t2 -c64 -d"$DURATION" --latency -H "Cookie: nd_session=$SESSION" "$SITE/for-you"
