#!/usr/bin/env bash
# The demo behind `./build.sh demo`: a throwaway PostgreSQL with a sample shop schema and a running workload,
# and an ActorCdc node replicating it into a second database, printing rows per table and lag once a second.
# Ctrl+C stops everything and removes the demo's data.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-Release}
PG_BIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d /tmp/actorcdc-demo.XXXXXX)
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
PORT=$(free_port)
NODE_PORT=$(free_port)
export PGPASSWORD=actorcdc-demo PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres

pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  trap - INT TERM EXIT
  echo; echo "==> stopping the demo"
  [ -n "${WORKLOAD_PID:-}" ] && kill "$WORKLOAD_PID" 2>/dev/null || true
  [ -n "${NODE_PID:-}" ] && kill -TERM "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true
  pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup INT TERM EXIT

echo "==> starting PostgreSQL 15 on 127.0.0.1:$PORT (data in $WORK)"
echo "$PGPASSWORD" > "$WORK/pw"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$WORK"
pg "$PG_BIN/initdb" -D "$WORK/data" -U postgres --pwfile "$WORK/pw" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/data'
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
CONF
echo "host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256" > "$WORK/data/pg_hba.conf"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$WORK"
pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w start >/dev/null

echo "==> creating databases shop (source) and analytics (sink)"
"$PG_BIN/psql" -qX -d postgres -c "CREATE DATABASE shop" -c "CREATE DATABASE analytics"
"$PG_BIN/psql" -qX -d shop <<'SQL'
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE order_items (order_id bigint NOT NULL, line int NOT NULL, sku text NOT NULL, qty int NOT NULL, price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, line));
-- Existing rows: the pipeline copies them (backfill) while it streams the workload's changes.
INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 20000) g;
INSERT INTO orders (customer_id, status, total) SELECT 1 + g % 20000, 'shipped', round((random() * 500)::numeric, 2) FROM generate_series(1, 100000) g;
INSERT INTO order_items SELECT o, l, 'sku-' || (o * l % 100), 1 + (o + l) % 4, round((random() * 100)::numeric, 2) FROM generate_series(1, 100000) o, generate_series(1, 3) l;
SQL
cat > "$WORK/workload.sql" <<'SQL'
\set c random(1, 1000000000)
BEGIN;
INSERT INTO customers (name, email) VALUES ('customer ' || :c, 'c' || :c || '@example.com');
INSERT INTO orders (customer_id, status, total) VALUES (currval('customers_id_seq'), 'new', round((random() * 500)::numeric, 2));
INSERT INTO order_items SELECT currval('orders_id_seq'), g, 'sku-' || (random() * 100)::int, 1 + (random() * 4)::int, round((random() * 100)::numeric, 2) FROM generate_series(1, 3) g;
UPDATE orders SET status = 'paid' WHERE id = (SELECT max(id) - 5 FROM orders);
DELETE FROM order_items WHERE order_id = (SELECT max(id) - 50 FROM orders) AND line = 3;
COMMIT;
SQL

cat > "$WORK/demo.conf" <<CONF
actorcdc {
  state.data-dir = "$WORK/state"
  node { port = $NODE_PORT, status-interval = 1s }
  pipelines.shop {
    source {
      connection-string = "Host=127.0.0.1;Port=$PORT;Database=shop;Username=postgres;Password=$PGPASSWORD"
      tables = ["public.*"]
      heartbeat-interval = 5s
    }
    snapshot { chunk-size = 20000 }
    sink { type = postgres, connection-string = "Host=127.0.0.1;Port=$PORT;Database=analytics;Username=postgres;Password=$PGPASSWORD" }
  }
}
CONF

echo "==> starting the workload (pgbench, ~50 transactions/s)"
"$PG_BIN/pgbench" -n -f "$WORK/workload.sql" -c 2 -R 50 -T 86400 shop >"$WORK/pgbench.log" 2>&1 &
WORKLOAD_PID=$!

echo "==> starting an ActorCdc node: it copies shop.public.* (420,000 existing rows) into analytics while it streams"
echo "    the workload's changes, then keeps streaming (Ctrl+C to stop)"
dotnet "src/ActorCdc.Node/bin/$CONFIG/net10.0/actorcdc-node.dll" --config "$WORK/demo.conf" &
NODE_PID=$!
wait "$NODE_PID" || true
NODE_PID=
