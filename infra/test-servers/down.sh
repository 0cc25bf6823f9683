#!/usr/bin/env bash
# Stop the servers that up.sh started under DIR. Safe to run twice, and after a partial up.sh.
#
#   infra/test-servers/down.sh DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

[ $# -eq 1 ] || ts_die "usage: $0 DIR"
[ -d "$1" ] || { echo "test-servers: $1 does not exist; nothing to stop"; exit 0; }
DIR="$(cd "$1" && pwd -P)"
ts_load_state "$DIR" || { echo "test-servers: no $DIR/state.env; nothing to stop"; exit 0; }

# Wait up to $2 seconds for pid $1 to end; then SIGKILL it.
wait_gone() {
    local pid=$1 t=$(($2 * 10))
    while ts_alive "$pid" && [ "$t" -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
    if ts_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
}
read_pid() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }

stop_rabbit() {
    local node_pid wrapper_pid epmd_pid
    node_pid=$(read_pid "$RABBIT_DIR/node.pid")
    wrapper_pid=$(read_pid "$RABBIT_DIR/wrapper.pid")
    epmd_pid=$(read_pid "$RABBIT_DIR/epmd.pid")
    if ts_alive "$node_pid" || ts_alive "$wrapper_pid"; then
        # 'stop <pidfile>' returns once the node's OS process is gone.
        if ! timeout 30 bash -c "$(declare -f ts_rabbit_env ts_rabbitmqctl); $(declare -p RABBIT_DIR RABBIT_NODE RABBIT_BIN AMQP_PORT DIST_PORT EPMD_PORT); ts_rabbitmqctl -q stop '$RABBIT_DIR/node.pid'" \
                >"$RABBIT_DIR/log/stop.log" 2>&1; then
            [ -z "$wrapper_pid" ] || kill -TERM "$wrapper_pid" 2>/dev/null || true
            [ -z "$node_pid" ] || kill -TERM "$node_pid" 2>/dev/null || true
        fi
        [ -z "$node_pid" ] || wait_gone "$node_pid" 15
        [ -z "$wrapper_pid" ] || wait_gone "$wrapper_pid" 5
    fi
    # Our epmd listens on a port of its own; end it unless some other node registered there.
    if ts_alive "$epmd_pid"; then
        local others
        others=$(ERL_EPMD_PORT=$EPMD_PORT epmd -names 2>/dev/null | grep -c '^name ' || true)
        if [ "${others:-0}" = 0 ]; then
            kill -TERM "$epmd_pid" 2>/dev/null || true
            wait_gone "$epmd_pid" 3
        else
            echo "test-servers: epmd on port $EPMD_PORT still has $others node(s) registered; left running" >&2
        fi
    fi
}

stop_redis() {
    local pid
    pid=$(read_pid "$REDIS_DIR/redis.pid")
    if ts_alive "$pid"; then
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" 5
    fi
}

stop_pg() {
    local pid=""
    [ -f "$PG_DIR/data/postmaster.pid" ] && pid=$(head -n 1 "$PG_DIR/data/postmaster.pid" | tr -dc '0-9')
    if ts_alive "$pid"; then
        ts_as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 20 stop >/dev/null 2>&1 || kill -INT "$pid" 2>/dev/null || true
        wait_gone "$pid" 10
    fi
}

# RabbitMQ takes a few seconds to stop: do the three at once.
stop_rabbit & r=$!
stop_redis
stop_pg
wait "$r" || true
echo "test-servers: stopped servers in $DIR"
