#!/usr/bin/env bash
# Issue #15, row 2: CLIENTS wrong-password logins at once, each from its
# own loopback address and for its own username (so no per-address or
# per-account limit applies), against a fresh
# `newsdesk serve`; prints the server's RSS before and after, and the
# statuses. Usage: bench/login-flood.sh [BINARY]   (CLIENTS=150)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk}
CLIENTS=${CLIENTS:-150}
PORT=18095
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
printf 'listen = "127.0.0.1:%s"\ndatabase = "%s/newsdesk.db"\nstarter_feeds = []\n[crawl]\ntick_secs = 86400\n' \
  "$PORT" "$WORK" > "$WORK/config.toml"
RUST_LOG=error "$BIN" --config "$WORK/config.toml" serve > /dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$SERVER/status"; }
echo "RSS before: $(rss)"
login() {
  local ip="127.0.$(( $1 / 250 + 3 )).$(( $1 % 250 + 1 ))" jar
  jar=$(mktemp -p "$WORK")
  local csrf
  csrf=$(curl -s --interface "$ip" -c "$jar" "http://127.0.0.1:$PORT/login" | grep -o 'name="csrf" value="[0-9a-f]*' | sed 's/.*value="//')
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --interface "$ip" -b "$jar" \
    --data "csrf=$csrf&username=nobody$1&password=a+wrong+password" "http://127.0.0.1:$PORT/login"
}
export -f login
export PORT WORK
seq 1 "$CLIENTS" | xargs -P "$CLIENTS" -I{} bash -c 'login {}' > "$WORK/statuses"
echo "RSS after:  $(rss)"
echo "statuses:"; cut -d' ' -f1 "$WORK/statuses" | sort | uniq -c
echo "slowest answer: $(cut -d' ' -f2 "$WORK/statuses" | sort -n | tail -1) s"
start=$(date +%s%N); curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; echo "healthz after: $(( ($(date +%s%N) - start) / 1000000 )) ms"
