#!/usr/bin/env bash
# Search latency on both backends, side by side in one run: tantivy (the
# index in $WORK/search) and PostgreSQL full-text search, on the archive
# bench/site.sh builds (run it first, with POSTGRES set, so the archive is
# in both databases). For a common, a mid and a rare word (by how many
# articles hold it: the most frequent, the one nearest 1 %, the least
# frequent) and a word no article holds, one client asks /api/v1/search
# one query at a time (each a page-cache miss) and reports p50 / p95 of
# the whole request.
# Usage: POSTGRES=postgres://… bench/search-backends.sh   (WORK=/tmp/newsdesk-bench QUERIES=200)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/newsdesk-bench}
QUERIES=${QUERIES:-200}
PORT=18082
: "${POSTGRES:?set POSTGRES to the database bench/site.sh filled}"
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk
[ -x "$BIN" ] || cargo build --release -q -p newsdesk
SQLITE="$WORK/bench.db"

# PostgreSQL search is filled once from the store.
marker="$WORK/pg-search-$(printf %s "$POSTGRES" | md5sum | cut -c1-8)"
if [ ! -s "$marker" ]; then
  NEWSDESK_DATABASE="$POSTGRES" NEWSDESK_SEARCH=postgres "$BIN" reindex > "$marker"
fi
cat "$marker"

# Words by the share of articles holding them (PostgreSQL's own statistics).
read -r COMMON MID RARE < <(psql "$POSTGRES" -tA -F' ' -c "
  WITH s AS (SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_docs') WHERE length(word) > 3),
       n AS (SELECT count(*)::float AS total FROM search_docs)
  SELECT (SELECT word FROM s ORDER BY ndoc DESC LIMIT 1),
         (SELECT word FROM s, n ORDER BY abs(ndoc / total - 0.01) LIMIT 1),
         (SELECT word FROM s ORDER BY ndoc, word LIMIT 1)")
ABSENT=zzyzxq
echo "words: common '$COMMON', mid '$MID', rare '$RARE', absent '$ABSENT'"

run() { # backend database search
  cat > "$WORK/search-$1.toml" <<CONF
listen = "127.0.0.1:$PORT"
database = "$2"
search = "$3"
search_dir = "$WORK/search"
starter_feeds = []
[crawl]
tick_secs = 86400
CONF
  RUST_LOG=warn "$BIN" --config "$WORK/search-$1.toml" serve > /dev/null &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  python3 - "$1" "$PORT" "$QUERIES" "$COMMON" "$MID" "$RARE" "$ABSENT" <<'PY'
import sys, time, urllib.request
backend, port, queries, words = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
for kind, word in zip(["common", "mid", "rare", "absent"], words):
    times, total = [], None
    for i in range(queries):
        url = f"http://127.0.0.1:{port}/api/v1/search?q={word}&miss={i}"
        start = time.perf_counter()
        with urllib.request.urlopen(url) as r:
            body = r.read()
        times.append((time.perf_counter() - start) * 1000)
        if total is None:
            import json
            total = json.loads(body).get("total")
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{backend:8} {kind:6} {word:14} matches {total:>6}: p50 {p(0.5):7.2f} ms, p95 {p(0.95):7.2f} ms")
PY
  kill "$server"
  wait "$server" 2>/dev/null || true
}
run tantivy "$SQLITE" tantivy
run postgres "$POSTGRES" postgres
