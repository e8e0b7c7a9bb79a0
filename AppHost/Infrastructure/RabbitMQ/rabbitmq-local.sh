#!/bin/bash
# Runs a private RabbitMQ node (Debian 12 package 3.10.x / Erlang 25) as a
# foreground child process: private epmd, data, log and HOME dirs, 127.0.0.1 only.
# SIGTERM/SIGINT/SIGHUP -> graceful stop (SIGKILL after RMQ_STOP_TIMEOUT s), epmd killed.
# If this script itself is SIGKILLed, a watchdog stops beam.smp and epmd.
# Required env: RMQ_BASE RMQ_AMQP_PORT RMQ_MGMT_PORT RMQ_DIST_PORT RMQ_EPMD_PORT RMQ_USER RMQ_PASS
# Optional env: RMQ_NODENAME (default hpcaspire-<amqp port>@localhost), RMQ_STOP_TIMEOUT (default 4)
set -u
: "${RMQ_BASE:?}" "${RMQ_AMQP_PORT:?}" "${RMQ_MGMT_PORT:?}" "${RMQ_DIST_PORT:?}" \
  "${RMQ_EPMD_PORT:?}" "${RMQ_USER:?}" "${RMQ_PASS:?}"
STOP_TIMEOUT="${RMQ_STOP_TIMEOUT:-4}"

mkdir -p "$RMQ_BASE/home" "$RMQ_BASE/mnesia" "$RMQ_BASE/log" "$RMQ_BASE/conf.d" || exit 1
cat > "$RMQ_BASE/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RMQ_AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RMQ_MGMT_PORT
log.console = true
log.console.level = info
log.console.use_colors = off
log.file = false
EOF
echo '[rabbitmq_management].' > "$RMQ_BASE/enabled_plugins"
: > "$RMQ_BASE/rabbitmq-env.conf"           # shadows /etc/rabbitmq/rabbitmq-env.conf

export HOME="$RMQ_BASE/home"                # .erlang.cookie is auto-created here
export RABBITMQ_CONF_ENV_FILE="$RMQ_BASE/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$RMQ_BASE/rabbitmq.conf"
export RABBITMQ_CONFIG_FILES="$RMQ_BASE/conf.d/*.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_BASE/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_BASE/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$RMQ_BASE/mnesia"
export RABBITMQ_LOG_BASE="$RMQ_BASE/log"
export RABBITMQ_NODENAME="${RMQ_NODENAME:-hpcaspire-$RMQ_AMQP_PORT@localhost}"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RMQ_AMQP_PORT"
export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
export RABBITMQ_DEFAULT_USER="$RMQ_USER" RABBITMQ_DEFAULT_PASS="$RMQ_PASS"
export ERL_EPMD_PORT="$RMQ_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
# ALLOW_INPUT makes rabbitmq-server 'exec erl', so $! below is beam.smp itself;
# -noinput/+B i restore what the script would otherwise pass.
export RABBITMQ_ALLOW_INPUT=true
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput +B i -kernel inet_dist_use_interface {127,0,0,1}"
export ERL_CRASH_DUMP="$RMQ_BASE/erl_crash.dump"   # default would be $PWD
unset NOTIFY_SOCKET
cd "$RMQ_BASE" || exit 1

alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]; }

# Private epmd in the foreground (our child), started before erl so erl does
# not spawn its own 'epmd -daemon'.
/usr/bin/epmd -port "$RMQ_EPMD_PORT" &
EPMD=$!
for _ in $(seq 50); do
  alive "$EPMD" || { echo "rabbitmq-local: epmd failed (port $RMQ_EPMD_PORT busy?)" >&2; exit 1; }
  /usr/bin/epmd -names >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 0.2; alive "$EPMD" || { echo "rabbitmq-local: epmd port $RMQ_EPMD_PORT busy" >&2; exit 1; }

"${RMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}" &
BEAM=$!

# Watchdog: holds the read end of a pipe whose write end (fd 9) only this script
# holds. EOF without "done" means we were SIGKILLed -> clean up.
exec 9> >(
  exec >/dev/null 2>&1
  trap '' TERM INT HUP
  IFS= read -r line
  [ "$line" = done ] && exit 0
  kill -TERM "$BEAM" 2>/dev/null
  for _ in $(seq $((STOP_TIMEOUT * 10))); do alive "$BEAM" || break; sleep 0.1; done
  kill -KILL "$BEAM" 2>/dev/null
  kill -TERM "$EPMD" 2>/dev/null
)

finish() {
  kill -TERM "$EPMD" 2>/dev/null; wait "$EPMD" 2>/dev/null
  echo done >&9; exec 9>&-
  exit "$1"
}
on_signal() {
  trap '' TERM INT HUP
  kill -TERM "$BEAM" 2>/dev/null
  for _ in $(seq $((STOP_TIMEOUT * 10))); do alive "$BEAM" || break; sleep 0.1; done
  kill -KILL "$BEAM" 2>/dev/null
  wait "$BEAM" 2>/dev/null
  finish 0
}
trap on_signal TERM INT HUP

wait "$BEAM"       # returns when beam exits by itself (e.g. startup failure)
rc=$?
finish "$rc"
