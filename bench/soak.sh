#!/usr/bin/env bash
# Bounded soak (issue #15): DURATION of mixed page, search, API, feed and
# login traffic against `newsdesk demo` (which keeps crawling its loopback
# newswire), with a second load of cached pages only, side by side: 16
# connections of the mix at one request per 20 ms each, 8 of cached pages
# at one per 5 ms each (wrk's delay hook), plus a real login every 0.2 s.
# Reports 5xx counts, latency percentiles and the server's RSS every 30 s.
# Usage: bench/soak.sh   (DURATION=600 WORK=/tmp/newsdesk-soak)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
WORK=${WORK:-/tmp/newsdesk-soak}
PORT=18090
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release -q -p newsdesk
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk
rm -rf "$WORK" && mkdir -p "$WORK"

NEWSDESK_DATABASE="$WORK/newsdesk.db" RUST_LOG=warn "$BIN" demo --port "$PORT" > "$WORK/demo.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER $LOGINS $RSS 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
# Wait for the first crawl, so the mix has articles and stories to ask for.
for _ in $(seq 1 120); do
  [ "$(curl -s "$BASE/api/v1/articles?per_page=100" | grep -o '"id":' | wc -l)" -ge 40 ] && break; sleep 0.5
done

# The first story's id, for the cached mix.
STORY=$(curl -s "$BASE/api/v1/stories?per_page=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)

# Counts every status >= 500 per thread; `done` sums them. Each connection
# waits PAUSE ms between requests: a steady load with headroom, as a busy
# instance sees, rather than a saturated machine.
cat > "$WORK/count-5xx.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() server_errors = 0 end
function delay() return PAUSE end
function response(status) if status >= 500 then server_errors = server_errors + 1 end end
function done()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("server_errors") end
  io.write(string.format("5xx responses: %d\n", total))
end
LUA
cat > "$WORK/mixed.lua" <<'LUA'
local paths = {
  "/", "/?page=2", "/sources", "/search?q=harbour", "/search?q=strike+council&sort=newest",
  "/api/v1/articles", "/api/v1/stories", "/api/v1/search?q=minister", "/api/v1/sources",
  "/feeds/latest.atom", "/feeds/top.atom", "/login", "/register", "/nope", "/metrics",
}
local n = 0
request = function()
  n = n + 1
  local pick = math.random(1, #paths + 3)
  if pick == #paths + 1 then return wrk.format("GET", "/article/" .. math.random(1, 50) .. "?u=" .. n) end
  if pick == #paths + 2 then return wrk.format("GET", "/story/" .. math.random(1, 30)) end
  if pick == #paths + 3 then return wrk.format("GET", "/entity/" .. ({"harbour", "council", "minister"})[math.random(1, 3)]) end
  return wrk.format("GET", paths[pick])
end
LUA
sed 's/PAUSE/20/' "$WORK/count-5xx.lua" >> "$WORK/mixed.lua"
sed 's/PAUSE/5/' "$WORK/count-5xx.lua" > "$WORK/cached.lua"
echo "request = function() return wrk.format(\"GET\", ({\"/\", \"/sources\", \"/story/$STORY\"})[math.random(1, 3)]) end" >> "$WORK/cached.lua"

# Real logins (wrong passwords) from a client that keeps its cookies: argon2 under load.
(
  while true; do
    csrf=$(curl -s -c "$WORK/jar" -b "$WORK/jar" "$BASE/login" | grep -o 'name="csrf" value="[0-9a-f]*' | sed 's/.*value="//')
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$WORK/jar" -b "$WORK/jar" \
      --data "csrf=$csrf&username=nobody&password=not+the+password" "$BASE/login")
    echo "$code" >> "$WORK/logins"
    sleep 0.2
  done
) &
LOGINS=$!
(
  while kill -0 $SERVER 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)" >> "$WORK/rss"
    sleep 30
  done
) &
RSS=$!

wrk -t1 -c16 -d"${DURATION}s" --latency -s "$WORK/mixed.lua" "$BASE" > "$WORK/mixed.out" &
MIXED=$!
wrk -t1 -c8 -d"${DURATION}s" --latency -s "$WORK/cached.lua" "$BASE" > "$WORK/cached.out"
wait $MIXED
kill $LOGINS $RSS 2>/dev/null || true

echo "== mixed traffic (pages, search, API, feeds, forms, misses)"; cat "$WORK/mixed.out"
echo "== cached pages only"; cat "$WORK/cached.out"
echo "== logins (status: count)"; sort "$WORK/logins" | uniq -c
echo "== server RSS, KiB, every 30 s"; awk '{print $2}' "$WORK/rss" | paste -sd' '
