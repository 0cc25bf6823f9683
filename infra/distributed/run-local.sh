#!/usr/bin/env bash
# The distributed topology of compose.yaml, without Docker: PostgreSQL (a database per service),
# Redis and RabbitMQ as throwaway local processes (infra/test-servers/up.sh), then Leads, Screening,
# Cooperation and the gateway as separate processes on fixed loopback ports, configured exactly as
# in compose.yaml (Postgres, RabbitMQ with quorum queues, Redis, OIDC tokens from the gateway's
# local issuer, a shared personal-data key file, gRPC from Screening to Leads over h2c).
#
#   infra/distributed/run-local.sh                  build, start everything, wait; Ctrl-C stops it all
#   infra/distributed/run-local.sh --servers-only   only the servers and databases (to run the
#                                                   services from an IDE against them)
#
# Environment (all optional):
#   JINDU_DISTRIBUTED_DIR   data, keys and logs                 (default: <repo>/.jindu-distributed)
#   JINDU_GATEWAY_PORT      8080     JINDU_GATEWAY_GRPC_PORT 8081 (h2c, couriers' gRPC)
#   JINDU_SCREENING_PORT    5101     JINDU_LEADS_PORT  5102
#   JINDU_COOPERATION_PORT  5103     gRPC (h2c) listeners: JINDU_SCREENING_GRPC_PORT 5111,
#   JINDU_LEADS_GRPC_PORT 5112, JINDU_COOPERATION_GRPC_PORT 5113
#   JINDU_SKIP_BUILD=1      use the last Release build instead of building the solution again
#   JINDU_READY_TIMEOUT     seconds each process may take to answer /health/ready (default 120)
#   JINDU_ENVIRONMENT       ASPNETCORE_ENVIRONMENT of the processes (default Production, as in compose)
#
# The servers are throwaway: every run starts them empty (the databases are re-created and the
# services apply their migrations and demo data again). The personal-data key file and the token
# issuer's key are kept in DIR/keys across runs.
#
# Layout of DIR:  servers/ (up.sh's folder: server data and logs), keys/, logs/<process>.log,
#                 logs/build.log, logs/psql.log
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_ONLY=0
case "${1:-}" in
    "") ;;
    --servers-only) SERVERS_ONLY=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--servers-only]" >&2; exit 2 ;;
esac

DATA="${JINDU_DISTRIBUTED_DIR:-$REPO/.jindu-distributed}"
GATEWAY_PORT="${JINDU_GATEWAY_PORT:-8080}"
GATEWAY_GRPC_PORT="${JINDU_GATEWAY_GRPC_PORT:-8081}"
SCREENING_PORT="${JINDU_SCREENING_PORT:-5101}"
LEADS_PORT="${JINDU_LEADS_PORT:-5102}"
COOPERATION_PORT="${JINDU_COOPERATION_PORT:-5103}"
SCREENING_GRPC_PORT="${JINDU_SCREENING_GRPC_PORT:-5111}"
LEADS_GRPC_PORT="${JINDU_LEADS_GRPC_PORT:-5112}"
COOPERATION_GRPC_PORT="${JINDU_COOPERATION_GRPC_PORT:-5113}"
READY_TIMEOUT="${JINDU_READY_TIMEOUT:-120}"
STOP_TIMEOUT=20
ENVIRONMENT="${JINDU_ENVIRONMENT:-Production}"

GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"

GATEWAY_PROJ="gateway/JinDu.Gateway/JinDu.Gateway.csproj"
SCREENING_PROJ="services/Screening/JinDu.Screening/JinDu.Screening.csproj"
LEADS_PROJ="services/Leads/JinDu.Leads/JinDu.Leads.csproj"
COOPERATION_PROJ="services/Cooperation/JinDu.Cooperation/JinDu.Cooperation.csproj"

say() { echo "run-local: $*"; }
die() { echo "run-local: $*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

tail_log() {
    local file=$1
    if [ -f "$file" ]; then
        echo "---- last 40 lines of $file ----" >&2
        tail -n 40 "$file" >&2 || true
        echo "---- end of $file ----" >&2
    fi
}

# ---- checks before anything starts ---------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (dotnet) is not on PATH"
command -v psql >/dev/null 2>&1 || die "psql not found (apt-get install -y postgresql-client-15)"
command -v curl >/dev/null 2>&1 || die "curl not found (apt-get install -y curl)"
if [ "$SERVERS_ONLY" = 0 ]; then
    for proj in "$LEADS_PROJ" "$SCREENING_PROJ" "$COOPERATION_PROJ" "$GATEWAY_PROJ"; do
        [ -f "$REPO/$proj" ] || die "project $proj not found"
    done
    for port in "$GATEWAY_PORT" "$GATEWAY_GRPC_PORT" "$SCREENING_PORT" "$LEADS_PORT" "$COOPERATION_PORT" \
                "$SCREENING_GRPC_PORT" "$LEADS_GRPC_PORT" "$COOPERATION_GRPC_PORT"; do
        ! port_in_use "$port" || die "port 127.0.0.1:$port is taken; free it or choose others (JINDU_*_PORT, see $0 --help)"
    done
fi

mkdir -p "$DATA/logs" "$DATA/keys"
DATA="$(cd "$DATA" && pwd -P)"
SERVERS="$DATA/servers"
LOGS="$DATA/logs"
KEYS="$DATA/keys"
chmod 700 "$KEYS"

# ---- stopping: on Ctrl-C, on kill, on any error, on a process that died ---------------------------
NAMES=()   # started processes, in start order
PIDS=()
STOPPED=0
stop_all() {
    [ "$STOPPED" = 0 ] || return 0
    STOPPED=1
    trap '' INT TERM          # a second Ctrl-C must not cut the clean-up short
    local i pid t
    if [ ${#PIDS[@]} -gt 0 ]; then
        say "stopping ${NAMES[*]}"
        for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
        for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
            pid=${PIDS[$i]}
            t=$((STOP_TIMEOUT * 10))
            while kill -0 "$pid" 2>/dev/null && [ "$t" -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
            if kill -0 "$pid" 2>/dev/null; then
                say "${NAMES[$i]} (pid $pid) did not stop within ${STOP_TIMEOUT}s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done
    fi
    if [ -f "$SERVERS/state.env" ]; then
        "$REPO/infra/test-servers/down.sh" "$SERVERS" || true
    fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build ---------------------------------------------------------------------------------------
if [ "$SERVERS_ONLY" = 0 ] && [ "${JINDU_SKIP_BUILD:-0}" != 1 ]; then
    say "building JinDu.Platform.sln (Release); log in $LOGS/build.log"
    (cd "$REPO" && dotnet build JinDu.Platform.sln -c Release -nologo) >"$LOGS/build.log" 2>&1 \
        || { tail_log "$LOGS/build.log"; die "build failed"; }
fi

# The built assembly of a project (asked of MSBuild, so a changed output layout is followed).
target_path() {
    local proj=$1 path
    path=$(cd "$REPO" && dotnet msbuild "$proj" -nologo -p:Configuration=Release -getProperty:TargetPath 2>/dev/null | tail -n 1)
    { [ -n "$path" ] && [ -f "$path" ]; } || die "no Release build of $proj (${path:-TargetPath unknown}); run without JINDU_SKIP_BUILD"
    echo "$path"
}
if [ "$SERVERS_ONLY" = 0 ]; then
    LEADS_DLL=$(target_path "$LEADS_PROJ")
    SCREENING_DLL=$(target_path "$SCREENING_PROJ")
    COOPERATION_DLL=$(target_path "$COOPERATION_PROJ")
    GATEWAY_DLL=$(target_path "$GATEWAY_PROJ")
fi

# ---- servers: PostgreSQL, Redis, RabbitMQ (fresh each run) ------------------------------------------
if [ -e "$SERVERS" ]; then
    # Left over from a run that was killed before it could clean up.
    "$REPO/infra/test-servers/down.sh" "$SERVERS" >/dev/null 2>&1 || true
    rm -rf "$SERVERS"
fi
say "starting PostgreSQL, Redis and RabbitMQ"
"$REPO/infra/test-servers/up.sh" "$SERVERS"

PG="" REDIS="" RABBITMQ=""
while IFS='=' read -r key value; do
    case "$key" in
        JINDU_TEST_POSTGRES) PG=$value ;;
        JINDU_TEST_REDIS) REDIS=$value ;;
        JINDU_TEST_RABBITMQ) RABBITMQ=$value ;;
    esac
done <"$SERVERS/servers.env"
PG_PORT=$(printf '%s\n' "$PG" | tr ';' '\n' | sed -n 's/^Port=//p')
{ [ -n "$PG_PORT" ] && [ -n "$REDIS" ] && [ -n "$RABBITMQ" ]; } || die "unexpected $SERVERS/servers.env"

say "creating the databases (infra/postgres/init-databases.sql)"
psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" -X -q -v ON_ERROR_STOP=1 \
    -f "$REPO/infra/postgres/init-databases.sql" >"$LOGS/psql.log" 2>&1 \
    || { tail_log "$LOGS/psql.log"; die "creating the databases failed"; }

# The same roles and passwords as in compose.yaml (the throwaway server trusts loopback anyway).
pg_cs() { echo "Host=127.0.0.1;Port=$PG_PORT;Database=jindu_$1;Username=jindu_$1;Password=jindu-dev-$1"; }
SCREENING_DB=$(pg_cs screening)
LEADS_DB=$(pg_cs leads)
COOPERATION_DB=$(pg_cs cooperation)

if [ "$SERVERS_ONLY" = 1 ]; then
    cat <<EOF

JinDu servers are up (Ctrl-C stops them):
  PostgreSQL   127.0.0.1:$PG_PORT
    ConnectionStrings__Screening='$SCREENING_DB'
    ConnectionStrings__Leads='$LEADS_DB'
    ConnectionStrings__Cooperation='$COOPERATION_DB'
  Redis        Redis__Configuration=$REDIS
  RabbitMQ     Messaging__RabbitMq=$RABBITMQ
  (also in $SERVERS/servers.env)
EOF
    while :; do sleep 1; done
fi

# ---- the processes -------------------------------------------------------------------------------
# start NAME PROJECT DLL [VAR=VALUE ...]: runs the built assembly in its project folder (the content
# root, so appsettings.json and wwwroot are found as with dotnet run), output to logs/NAME.log.
start() {
    local name=$1 proj=$2 dll=$3; shift 3
    (
        cd "$REPO/$(dirname "$proj")"
        unset ASPNETCORE_URLS URLS Urls ASPNETCORE_HTTP_PORTS ASPNETCORE_HTTPS_PORTS
        # env, not export: some names are not shell identifiers (ReverseProxy__Clusters__leads-grpc__...).
        exec env "ASPNETCORE_ENVIRONMENT=$ENVIRONMENT" "DOTNET_ENVIRONMENT=$ENVIRONMENT" "$@" dotnet "$dll"
    ) </dev/null >"$LOGS/$name.log" 2>&1 &
    NAMES+=("$name")
    PIDS+=("$!")
    say "started $name (pid $!), log $LOGS/$name.log"
}

# wait_ready NAME PORT [PROBE]: until http://127.0.0.1:PORT/health/PROBE (default ready) answers 200.
# A service is ready only once it has the gateway's token signing keys, so the services are first
# waited for as live, and as ready after the gateway is up.
wait_ready() {
    local name=$1 port=$2 probe=${3:-ready} pid="" i deadline=$((SECONDS + READY_TIMEOUT))
    for i in "${!NAMES[@]}"; do [ "${NAMES[$i]}" = "$name" ] && pid=${PIDS[$i]}; done
    until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/$probe" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail_log "$LOGS/$name.log"
            die "$name exited during start-up"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail_log "$LOGS/$name.log"
            die "$name did not answer http://127.0.0.1:$port/health/$probe within ${READY_TIMEOUT}s"
        fi
        sleep 0.5
    done
    say "$name is $probe"
}

# What every service shares (compare x-service-env in compose.yaml).
COMMON=(
    Database__Provider=Postgres
    Messaging__Transport=RabbitMq
    "Messaging__RabbitMq=$RABBITMQ"
    Auth__Mode=Oidc
    "Auth__Authority=$GATEWAY_URL"
    "Auth__Issuer=$GATEWAY_URL"
    Auth__RequireHttpsMetadata=false
    "PersonalData__KeyFile=$KEYS/personal-data.json"
    PersonalData__CreateKeyFile=true
    Demo__Seed=true
    Kestrel__Endpoints__Http__Protocols=Http1
    Kestrel__Endpoints__Grpc__Protocols=Http2
)
# HTTP/1.1 for REST and health, and a separate HTTP/2-only listener for gRPC: a cleartext Kestrel
# endpoint cannot serve both (no ALPN without TLS).
listeners() { echo "Kestrel__Endpoints__Http__Url=http://127.0.0.1:$1" "Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$2"; }

# Leads first, alone: it creates the shared personal-data key file (the others then read it, rather
# than racing to create two different ones), and Screening calls it.
# shellcheck disable=SC2046
start leads "$LEADS_PROJ" "$LEADS_DLL" "${COMMON[@]}" $(listeners "$LEADS_PORT" "$LEADS_GRPC_PORT") \
    "ConnectionStrings__Leads=$LEADS_DB" "Redis__Configuration=$REDIS"
wait_ready leads "$LEADS_PORT" live

# shellcheck disable=SC2046
start screening "$SCREENING_PROJ" "$SCREENING_DLL" "${COMMON[@]}" $(listeners "$SCREENING_PORT" "$SCREENING_GRPC_PORT") \
    "ConnectionStrings__Screening=$SCREENING_DB" "Redis__Configuration=$REDIS" \
    "Services__Leads=http://127.0.0.1:$LEADS_GRPC_PORT"
# shellcheck disable=SC2046
start cooperation "$COOPERATION_PROJ" "$COOPERATION_DLL" "${COMMON[@]}" $(listeners "$COOPERATION_PORT" "$COOPERATION_GRPC_PORT") \
    "ConnectionStrings__Cooperation=$COOPERATION_DB"
# Urls, not ASPNETCORE_URLS: the gateway's appsettings.json sets Urls, which wins over ASPNETCORE_URLS.
start gateway "$GATEWAY_PROJ" "$GATEWAY_DLL" \
    "Kestrel__Endpoints__Http__Url=$GATEWAY_URL" Kestrel__Endpoints__Http__Protocols=Http1 \
    "Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$GATEWAY_GRPC_PORT" Kestrel__Endpoints__Grpc__Protocols=Http2 \
    Auth__Mode=Embedded \
    "Auth__Issuer=$GATEWAY_URL" \
    "Auth__LocalIssuer__KeyFile=$KEYS/issuer-key.json" \
    "ReverseProxy__Clusters__screening__Destinations__primary__Address=http://127.0.0.1:$SCREENING_PORT" \
    "ReverseProxy__Clusters__leads__Destinations__primary__Address=http://127.0.0.1:$LEADS_PORT" \
    "ReverseProxy__Clusters__cooperation__Destinations__primary__Address=http://127.0.0.1:$COOPERATION_PORT" \
    "ReverseProxy__Clusters__leads-grpc__Destinations__primary__Address=http://127.0.0.1:$LEADS_GRPC_PORT" \
    "ReverseProxy__Clusters__screening-grpc__Destinations__primary__Address=http://127.0.0.1:$SCREENING_GRPC_PORT" \
    "ReverseProxy__Clusters__cooperation-grpc__Destinations__primary__Address=http://127.0.0.1:$COOPERATION_GRPC_PORT"
wait_ready gateway "$GATEWAY_PORT"
wait_ready leads "$LEADS_PORT"
wait_ready screening "$SCREENING_PORT"
wait_ready cooperation "$COOPERATION_PORT"

cat <<EOF

JinDu Platform (distributed, local processes) is up. Ctrl-C stops everything.
  gateway      $GATEWAY_URL   (REST /api/{service}/v1/..., token issuer); gRPC h2c http://127.0.0.1:$GATEWAY_GRPC_PORT
  screening    http://127.0.0.1:$SCREENING_PORT   gRPC h2c http://127.0.0.1:$SCREENING_GRPC_PORT
  leads        http://127.0.0.1:$LEADS_PORT   gRPC h2c http://127.0.0.1:$LEADS_GRPC_PORT
  cooperation  http://127.0.0.1:$COOPERATION_PORT   gRPC h2c http://127.0.0.1:$COOPERATION_GRPC_PORT
  PostgreSQL 127.0.0.1:$PG_PORT, Redis $REDIS, RabbitMQ $RABBITMQ
  logs         $LOGS/

A token (demo accounts, password jindu-demo):
  curl -d grant_type=password -d username=officer.522722 -d password=jindu-demo $GATEWAY_URL/connect/token

EOF

# Run until Ctrl-C, or until one of the processes ends by itself (then stop the rest).
while :; do
    set +e
    wait -n "${PIDS[@]}"
    set -e
    for i in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
            tail_log "$LOGS/${NAMES[$i]}.log"
            die "${NAMES[$i]} (pid ${PIDS[$i]}) exited; stopping the others"
        fi
    done
done
