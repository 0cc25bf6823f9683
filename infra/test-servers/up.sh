#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15, Redis and RabbitMQ for integration tests, each on a free
# loopback port, with all data and logs under DIR. Writes DIR/servers.env (KEY=VALUE lines)
# and DIR/servers.export.sh (the same, shell-quoted, to `source`). Stop with down.sh DIR.
#
#   infra/test-servers/up.sh DIR
#
# Installs missing server packages with apt-get when run as root; otherwise says what to install.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

[ $# -eq 1 ] || ts_die "usage: $0 DIR"
DIR="$(ts_dir "$1")"
[ ! -f "$DIR/state.env" ] || ts_die "$DIR already holds a server set (state.env); run down.sh on it or use a fresh folder"

START_TIMEOUT="${JINDU_TEST_SERVERS_START_TIMEOUT:-90}"

# ---- binaries (install when missing) -------------------------------------------------------
PG_BIN=""
for d in /usr/lib/postgresql/15/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d
done
RABBIT_BIN=/usr/lib/rabbitmq/bin

missing=()
[ -n "$PG_BIN" ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
[ -x "$RABBIT_BIN/rabbitmq-server" ] && command -v epmd >/dev/null 2>&1 || missing+=(rabbitmq-server)

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "test-servers: installing ${missing[*]} with apt-get" >&2
        "$HERE/apt-install.sh" "${missing[@]}" >"$DIR/apt.log" 2>&1 \
            || { ts_tail "$DIR/apt.log"; ts_die "apt-get install -y ${missing[*]} failed"; }
        [ -x /usr/lib/postgresql/15/bin/initdb ] && PG_BIN=/usr/lib/postgresql/15/bin
    else
        ts_die "missing server packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]} (or run this script as root, or start a Docker engine for Testcontainers)"
    fi
fi
[ -n "$PG_BIN" ] || ts_die "PostgreSQL 15 binaries not found in /usr/lib/postgresql/15/bin (apt-get install -y postgresql-15)"
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || ts_die "user 'postgres' does not exist (it comes with apt-get install -y postgresql-15)"
fi

# ---- free ports ----------------------------------------------------------------------------
# Chosen below the kernel's ephemeral range (32768+), so outgoing connections never take them,
# and at random, so parallel runs rarely race for the same one.
free_ports() {
    local n=$1 py
    py=$(command -v /usr/bin/python3 || command -v python3 || true)
    if [ -n "$py" ]; then
        "$py" - "$n" <<'PY'
import random, socket, sys
n = int(sys.argv[1]); got = []
while len(got) < n:
    p = random.randint(20000, 32000)
    if p in got:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    got.append(p)
print(" ".join(map(str, got)))
PY
    else
        local got=() p
        while [ ${#got[@]} -lt "$n" ]; do
            p=$((20000 + RANDOM % 12000))
            [[ " ${got[*]} " == *" $p "* ]] && continue
            ts_port_open "$p" && continue
            if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then continue; fi
            got+=("$p")
        done
        echo "${got[*]}"
    fi
}
read -r PG_PORT REDIS_PORT AMQP_PORT DIST_PORT EPMD_PORT <<<"$(free_ports 5)"

PG_DIR="$DIR/pg"
REDIS_DIR="$DIR/redis"
RABBIT_DIR="$DIR/rabbit"
RABBIT_NODE="jindu-test-$AMQP_PORT@localhost"

cat >"$DIR/state.env" <<STATE
PG_BIN=$PG_BIN
PG_DIR=$PG_DIR
PG_PORT=$PG_PORT
REDIS_DIR=$REDIS_DIR
REDIS_PORT=$REDIS_PORT
RABBIT_BIN=$RABBIT_BIN
RABBIT_DIR=$RABBIT_DIR
RABBIT_NODE=$RABBIT_NODE
AMQP_PORT=$AMQP_PORT
DIST_PORT=$DIST_PORT
EPMD_PORT=$EPMD_PORT
STATE

# From here on, a failure stops whatever was already started.
ok=0
cleanup() { if [ "$ok" != 1 ]; then "$HERE/down.sh" "$DIR" >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

mkdir -p "$PG_DIR" "$REDIS_DIR" "$RABBIT_DIR/log" "$RABBIT_DIR/mnesia"

# ---- RabbitMQ first: it is the slowest to boot ---------------------------------------------
ts_rabbit_env
echo '[].' >"$RABBIT_DIR/enabled_plugins"
: >"$RABBIT_DIR/rabbitmq.conf"
: >"$RABBIT_DIR/rabbitmq-env.conf"
# The node and the CLI must share one cookie; write it before either starts.
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$RABBIT_DIR/.erlang.cookie")
chmod 400 "$RABBIT_DIR/.erlang.cookie"

epmd -port "$EPMD_PORT" -address 127.0.0.1 </dev/null >"$RABBIT_DIR/log/epmd.log" 2>&1 &
echo $! >"$RABBIT_DIR/epmd.pid"
for _ in $(seq 1 50); do ts_port_open "$EPMD_PORT" && break; sleep 0.05; done
ts_port_open "$EPMD_PORT" || { ts_tail "$RABBIT_DIR/log/epmd.log"; ts_die "epmd did not start on 127.0.0.1:$EPMD_PORT"; }

# Foreground mode of rabbitmq-server, sent to the background: $! is the wrapper script,
# which stops the node cleanly on SIGTERM and tells us at once if the node dies.
"$RABBIT_BIN/rabbitmq-server" </dev/null >"$RABBIT_DIR/log/stdout.log" 2>&1 &
RABBIT_WRAPPER_PID=$!
echo "$RABBIT_WRAPPER_PID" >"$RABBIT_DIR/wrapper.pid"

# ---- Redis -----------------------------------------------------------------------------------
redis-server --daemonize yes --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
    --save '' --appendonly no --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" \
    --logfile "$REDIS_DIR/redis.log" </dev/null >"$REDIS_DIR/start.log" 2>&1 \
    || { ts_tail "$REDIS_DIR/start.log"; ts_tail "$REDIS_DIR/redis.log"; ts_die "redis-server failed to start"; }

# ---- PostgreSQL ------------------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    chmod 700 "$PG_DIR"
    # postgres must be able to reach DIR/pg (temp folders are often 0700).
    chmod o+x "$DIR"
    runuser -u postgres -- test -w "$PG_DIR" \
        || ts_die "user postgres cannot write $PG_DIR: every parent folder of $DIR needs o+x"
fi
ts_as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync \
    >"$PG_DIR/initdb.log" 2>&1 || { ts_tail "$PG_DIR/initdb.log"; ts_die "initdb failed"; }
ts_as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -W \
    -o "-p $PG_PORT -k '$PG_DIR' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${JINDU_TEST_PG_OPTIONS:-}" \
    start </dev/null >"$PG_DIR/pg_ctl.log" 2>&1 || { ts_tail "$PG_DIR/pg_ctl.log"; ts_tail "$PG_DIR/postgres.log"; ts_die "pg_ctl start failed"; }

# ---- wait for all three ----------------------------------------------------------------------
deadline=$((SECONDS + START_TIMEOUT))
until pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -t 1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        ts_tail "$PG_DIR/postgres.log"
        ts_die "PostgreSQL did not answer on 127.0.0.1:$PG_PORT within ${START_TIMEOUT}s"
    fi
    sleep 0.1
done
until [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        ts_tail "$REDIS_DIR/redis.log"
        ts_die "Redis did not answer on 127.0.0.1:$REDIS_PORT within ${START_TIMEOUT}s"
    fi
    sleep 0.1
done
left=$((deadline - SECONDS)); [ "$left" -ge 1 ] || left=1
ts_rabbit_wait_up "$left" || ts_die "RabbitMQ did not start (see above)"

# ---- connection details ----------------------------------------------------------------------
cat >"$DIR/servers.env" <<ENV
JINDU_TEST_POSTGRES=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=postgres
JINDU_TEST_REDIS=127.0.0.1:$REDIS_PORT
JINDU_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:$AMQP_PORT/
JINDU_TEST_RABBITMQ_NODE=$RABBIT_NODE
JINDU_TEST_SERVERS_DIR=$DIR
ENV
sed -e "s/'/'\\\\''/g" -e "s/^\([A-Z_]*\)=\(.*\)$/export \1='\2'/" "$DIR/servers.env" >"$DIR/servers.export.sh"

ok=1
echo "test-servers: up in ${SECONDS}s: postgres 127.0.0.1:$PG_PORT, redis 127.0.0.1:$REDIS_PORT, rabbitmq 127.0.0.1:$AMQP_PORT ($RABBIT_NODE); details in $DIR/servers.env"
