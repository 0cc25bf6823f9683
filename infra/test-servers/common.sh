# Shared by up.sh, down.sh and rabbit.sh; sourced, not run.
# Everything a throwaway server set needs lives under one folder DIR:
#   DIR/state.env      ports, node name and binaries chosen by up.sh (read by down.sh / rabbit.sh)
#   DIR/servers.env    connection strings for tests (KEY=VALUE lines, not shell-quoted)
#   DIR/pg/            PostgreSQL data (pg/data), unix socket and pg/postgres.log, owned by postgres
#   DIR/redis/         redis.pid, redis.log
#   DIR/rabbit/        RabbitMQ mnesia, log/, node.pid, its own epmd (epmd.pid) and Erlang cookie

ts_die() { echo "test-servers: $*" >&2; exit 1; }

# Absolute path of DIR ($1), created if needed.
ts_dir() {
    [ -n "${1:-}" ] || ts_die "usage: $(basename "$0") DIR ..."
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

ts_load_state() {
    local dir=$1
    [ -f "$dir/state.env" ] || return 1
    # shellcheck source=/dev/null
    . "$dir/state.env"
}

# Print the last lines of a log file to stderr (used in every error message).
ts_tail() {
    local file=$1 n=${2:-40}
    if [ -f "$file" ]; then
        echo "---- last $n lines of $file ----" >&2
        tail -n "$n" "$file" >&2 || true
        echo "---- end of $file ----" >&2
    else
        echo "(no log file $file)" >&2
    fi
}

# Run a command as the postgres user when we are root (initdb and pg_ctl refuse root).
ts_as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# True while process $1 runs. A zombie counts as gone: on some hosts PID 1 reaps orphans late.
ts_alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ]
}

ts_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Environment for the RabbitMQ node and for its CLI tools. Needs RABBIT_DIR, RABBIT_NODE,
# AMQP_PORT, DIST_PORT, EPMD_PORT (from state.env).
ts_rabbit_env() {
    export HOME="$RABBIT_DIR"
    export RABBITMQ_NODENAME="$RABBIT_NODE"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$AMQP_PORT"
    export RABBITMQ_DIST_PORT="$DIST_PORT"
    export RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia"
    export RABBITMQ_LOG_BASE="$RABBIT_DIR/log"
    export RABBITMQ_LOGS="$RABBIT_DIR/log/rabbit.log"
    export RABBITMQ_PID_FILE="$RABBIT_DIR/node.pid"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
    export RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq"
    export RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_DIR/advanced.config"
    export RABBITMQ_CONF_ENV_FILE="$RABBIT_DIR/rabbitmq-env.conf"
    # Our own epmd on our own port, bound to loopback: two runs never share (or kill) one.
    export ERL_EPMD_ADDRESS=127.0.0.1
    export ERL_EPMD_PORT="$EPMD_PORT"
    # Distribution (node and CLI) only on loopback; never let erl start an epmd of its own.
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false"
}

# rabbitmqctl for this node (the /usr/sbin wrapper switches user and breaks the cookie).
ts_rabbitmqctl() {
    ( ts_rabbit_env; "$RABBIT_BIN/rabbitmqctl" -n "$RABBIT_NODE" "$@" )
}

# Wait until the AMQP port accepts connections and the node says the app is running.
ts_rabbit_wait_up() {
    local timeout=$1 deadline=$((SECONDS + $1))
    while ! ts_port_open "$AMQP_PORT"; do
        if [ -n "${RABBIT_WRAPPER_PID:-}" ] && ! ts_alive "$RABBIT_WRAPPER_PID"; then
            echo "test-servers: RabbitMQ node $RABBIT_NODE exited during start-up" >&2
            ts_tail "$RABBIT_DIR/log/rabbit.log"; ts_tail "$RABBIT_DIR/log/stdout.log" 20
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "test-servers: RabbitMQ node $RABBIT_NODE did not open AMQP port $AMQP_PORT within ${timeout}s" >&2
            ts_tail "$RABBIT_DIR/log/rabbit.log"; ts_tail "$RABBIT_DIR/log/stdout.log" 20
            return 1
        fi
        sleep 0.2
    done
    local left=$((deadline - SECONDS)); [ "$left" -ge 1 ] || left=1
    if ! ts_rabbitmqctl -q await_startup --timeout "$left" >"$RABBIT_DIR/log/ctl.log" 2>&1; then
        echo "test-servers: 'rabbitmqctl await_startup' failed for $RABBIT_NODE:" >&2
        cat "$RABBIT_DIR/log/ctl.log" >&2 || true
        ts_tail "$RABBIT_DIR/log/rabbit.log"
        return 1
    fi
}
