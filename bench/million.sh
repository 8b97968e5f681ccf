#!/usr/bin/env bash
# Issue #18's million-article figures on PostgreSQL, run by hand:
#  1. once: a database of ARTICLES ready articles with analyses, entities,
#     stories and 10,000 hosts, written with COPY (`newsdesk-bench million
#     seed`), with PostgreSQL search documents made from their titles;
#  2. per run, on a copy of it: random article pages through `newsdesk
#     serve` at a steady pace (wrk, 16 connections, each waiting 16 ms, so
#     at most 1,000 requests/s; a unique query string on each request),
#     first idle, then while `newsdesk import warc` ingests a WARC day into
#     the same database; meanwhile `newsdesk-bench million lag` watches the
#     story queue; then `newsdesk-bench million bloat`.
# Each figure is printed with the load average.
#
#   PG=postgres://postgres@127.0.0.1:55432 WARC=/tmp/warc-bench/day.warc.gz bench/million.sh
#
# WARC: `newsdesk-bench warc --out FILE --records 10000`.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${PG:-postgres://postgres@127.0.0.1:55432}
ARTICLES=${ARTICLES:-1000000}
WARC=${WARC:-/tmp/warc-bench/day.warc.gz}
WORK=${WORK:-/tmp/newsdesk-million}
DURATION=${DURATION:-60s}
UPDATES=${UPDATES:-1000000}
PORT=18090
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk
BENCH=${CARGO_TARGET_DIR:-$PWD/target}/release/newsdesk-bench
SEEDED=million_$ARTICLES
RUN=million_run
mkdir -p "$WORK"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

config() {
  cat > "$WORK/$1.toml" <<CONF
listen = "127.0.0.1:$PORT"
database = "$PG/$1"
search = "postgres"
starter_feeds = []
[crawl]
tick_secs = 86400
CONF
  echo "$WORK/$1.toml"
}

if [ "$(psql "$PG/postgres" -tAc "SELECT count(*) FROM pg_database WHERE datname = '$SEEDED'")" = 0 ]; then
  psql "$PG/postgres" -q -c "CREATE DATABASE $SEEDED"
  # On the empty database: makes the search schema, indexes nothing.
  "$BIN" --config "$(config "$SEEDED")" reindex
  echo "== seed ($(uptime))"
  /usr/bin/time -f "seed: %e s wall, %U user, %S sys, max RSS %M KB" \
    "$BENCH" million seed --database "$PG/$SEEDED" --articles "$ARTICLES"
  # Search documents from titles alone, made by the server: `serve` starts
  # only once every article is indexed, and a full rebuild of a million
  # articles into PostgreSQL search (`newsdesk reindex`) takes hours here.
  echo "== search documents ($(uptime))"
  time psql "$PG/$SEEDED" -q <<SQL
INSERT INTO search_docs (article_id, title, body, source_name, source_slug, entity_keys, published, url, config, tsv)
SELECT a.id, a.title, '', s.name, s.slug, '{}', a.sort_at, a.url, 'english',
       setweight(to_tsvector('english', search_plain(a.title)), 'A')
FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.status = 'ready';
VACUUM ANALYZE;
SQL
fi
psql "$PG/$SEEDED" -tA -c "SELECT 'seeded database: ' || pg_size_pretty(pg_database_size('$SEEDED'))
  || ', ' || (SELECT count(*) FROM articles) || ' articles, ' || (SELECT count(*) FROM stories) || ' stories'"

psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $RUN" -c "CREATE DATABASE $RUN TEMPLATE $SEEDED"
RUST_LOG=warn "$BIN" --config "$(config $RUN)" serve > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
cat > "$WORK/paced.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/article/" .. math.random(1, $ARTICLES) .. "?miss=" .. n .. "-" .. math.random(1e9))
end
delay = function() return 16 end
LUA
paced() {
  echo "== article pages, $1 ($(uptime))"
  wrk -t2 -c16 -d"$DURATION" --latency -s "$WORK/paced.lua" "http://127.0.0.1:$PORT" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
  echo "   ($(uptime))"
}
paced idle

echo "== ingest: newsdesk import warc $WARC ($(uptime))"
"$BENCH" million lag --database "$PG/$RUN" > "$WORK/lag.txt" &
LAG=$!
/usr/bin/time -f "import: %e s wall, %U user, %S sys, max RSS %M KB" \
  "$BIN" --config "$WORK/$RUN.toml" import warc "$WARC" > "$WORK/import.txt" 2>&1 &
IMPORT=$!
sleep 5
paced "under ingest"
wait $IMPORT
tail -n 3 "$WORK/import.txt"
wait $LAG
cat "$WORK/lag.txt"

kill $SERVER
wait $SERVER 2>/dev/null || true
echo "== bloat ($(uptime))"
"$BENCH" million bloat --database "$PG/$RUN" --updates "$UPDATES"
