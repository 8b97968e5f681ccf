#!/usr/bin/env bash
# Two builds of newsdesk serving the same archive, alternating, two rounds:
# random article pages saturated (64 connections) and paced (16
# connections, 16 ms apart), as bench/site.sh runs them.
# Usage: bench/site-side-by-side.sh OLD_BINARY NEW_BINARY
#   (DATABASE=$WORK/bench.db or postgres://…; WORK and DURATION as in site.sh;
#    run bench/site.sh once first: it writes the archive and the wrk scripts)
set -euo pipefail
OLD=$1 NEW=$2
WORK=${WORK:-/tmp/newsdesk-bench}
DURATION=${DURATION:-10s}
export NEWSDESK_DATABASE=${DATABASE:-$WORK/bench.db}
export NEWSDESK_SEARCH_DIR="$WORK/search"
URL=http://127.0.0.1:18080
summary() { grep -E "Requests/sec|  50%|  99%|Non-2xx|errors" | tr -s ' ' | tr '\n' ' '; }
for round in 1 2; do
  for build in "$OLD" "$NEW"; do
    RUST_LOG=warn "$build" --config "$WORK/config.toml" serve > /dev/null 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -sf "$URL/healthz" > /dev/null && break; sleep 0.2; done
    wrk -t2 -c64 -d3s -s "$WORK/random-article.lua" "$URL" > /dev/null
    echo "== round $round: $build (load $(cut -d' ' -f1 /proc/loadavg))"
    echo "saturated: $(wrk -t2 -c64 -d"$DURATION" --latency -s "$WORK/random-article.lua" "$URL" | summary)"
    echo "paced: $(wrk -t2 -c16 -d"$DURATION" --latency -s "$WORK/random-article-paced.lua" "$URL" | summary)"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
