#!/usr/bin/env bash
# Take the RabbitMQ application of the node that up.sh started under DIR away, or bring it back
# (the Erlang node itself stays up, so the port and node name do not change).
#
#   infra/test-servers/rabbit.sh DIR stop_app|start_app|list_queues
#
# list_queues prints every queue as JSON: name, type, arguments and ready messages.
# start_app returns only once the broker accepts AMQP connections again.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

[ $# -eq 2 ] || ts_die "usage: $0 DIR stop_app|start_app|list_queues"
[ -d "$1" ] || ts_die "$1 does not exist"
DIR="$(cd "$1" && pwd -P)"
ts_load_state "$DIR" || ts_die "no $DIR/state.env: was up.sh run on $DIR?"
TIMEOUT="${JINDU_TEST_SERVERS_START_TIMEOUT:-60}"

case "$2" in
    stop_app)
        ts_rabbitmqctl -q stop_app >"$RABBIT_DIR/log/ctl.log" 2>&1 \
            || { cat "$RABBIT_DIR/log/ctl.log" >&2; ts_die "rabbitmqctl stop_app failed on $RABBIT_NODE"; }
        # stop_app returns when the app is down; the listener is closed by then, but be sure.
        for _ in $(seq 1 50); do ts_port_open "$AMQP_PORT" || break; sleep 0.1; done
        ! ts_port_open "$AMQP_PORT" || ts_die "AMQP port $AMQP_PORT still open after stop_app"
        ;;
    start_app)
        timeout "$TIMEOUT" bash -c "$(declare -f ts_rabbit_env ts_rabbitmqctl); $(declare -p RABBIT_DIR RABBIT_NODE RABBIT_BIN AMQP_PORT DIST_PORT EPMD_PORT); ts_rabbitmqctl -q start_app" \
            >"$RABBIT_DIR/log/ctl.log" 2>&1 \
            || { cat "$RABBIT_DIR/log/ctl.log" >&2; ts_tail "$RABBIT_DIR/log/rabbit.log"; ts_die "rabbitmqctl start_app failed on $RABBIT_NODE"; }
        ts_rabbit_wait_up "$TIMEOUT" || ts_die "RabbitMQ app did not come back on $RABBIT_NODE"
        ;;
    list_queues)
        ts_rabbitmqctl -q list_queues name type arguments messages --formatter json
        exit 0
        ;;
    *)
        ts_die "usage: $0 DIR stop_app|start_app|list_queues"
        ;;
esac
echo "test-servers: $2 done on $RABBIT_NODE"
