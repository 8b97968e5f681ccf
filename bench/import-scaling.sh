#!/usr/bin/env bash
# Ingest scaling (issue #18): N `newsdesk import warc` processes started at
# once on the same WARC files, which they split by file lease, into a fresh
# PostgreSQL database with PostgreSQL search. Prints the wall time, each
# process's share and the articles stored and clustered.
#
#   PG=postgres://postgres@127.0.0.1:55432 FILES='/tmp/warc4/day-*.warc.gz' bench/import-scaling.sh 2
#
# The files: one day from `newsdesk-bench warc --out FILE --records N`, cut
# at record boundaries into a few files by `bench/split-warc.py`; separate
# runs of the generator repeat the same pages. With TEMPLATE=DB (a database
# `bench/million.sh` seeded), each run starts from a copy of it instead of
# an empty database.
set -euo pipefail
n=${1:?number of processes}
pg=${PG:-postgres://postgres@127.0.0.1:55432}
files=${FILES:-/tmp/warc4/day-*.warc.gz}
bin=${NEWSDESK:-target/release/newsdesk}
psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS scale_$n" -c "CREATE DATABASE scale_$n ${TEMPLATE:+TEMPLATE $TEMPLATE}"
mkdir -p /tmp/scale-$n && cat > /tmp/scale-$n/newsdesk.toml <<TOML
database = "$pg/scale_$n"
search = "postgres"
TOML
uptime
start=$(date +%s.%N)
for i in $(seq 1 $n); do
  /usr/bin/time -f "process $i: %e s wall, %U user, %S sys, max RSS %M KB" "$bin" --config /tmp/scale-$n/newsdesk.toml import warc $files > /tmp/scale-$n/out-$i.txt 2>/tmp/scale-$n/err-$i.txt &
done
wait
end=$(date +%s.%N)
echo "workers $n: $(echo "$end - $start" | bc) s"
grep -h "pages/s\|imported" /tmp/scale-$n/out-*.txt
grep -h "process" /tmp/scale-$n/err-*.txt
psql "$pg/scale_$n" -tA -c "select count(*) filter (where status='ready'), count(*) filter (where story_id is not null) from articles" 
uptime
