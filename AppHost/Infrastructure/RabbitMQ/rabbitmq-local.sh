#!/bin/bash
# Runs a private RabbitMQ node (Debian 12 package 3.10.x / Erlang 25) as a
# foreground child process: private epmd, data, log and HOME dirs, 127.0.0.1 only.
# SIGTERM/SIGINT/SIGHUP -> graceful stop (SIGKILL after RMQ_STOP_TIMEOUT s), epmd killed.
# If this script itself is SIGKILLed, a watchdog stops beam.smp and epmd.
# Required env: RMQ_BASE RMQ_AMQP_PORT RMQ_MGMT_PORT RMQ_DIST_PORT RMQ_EPMD_PORT RMQ_USER RMQ_PASS
# Optional env: RMQ_SERVER (default /usr/lib/rabbitmq/bin/rabbitmq-server),
#   RMQ_NODENAME (default hpcaspire-<amqp port>@localhost), RMQ_STOP_TIMEOUT (default 4)
#
# Start-up cost (3.10.8 on two cores, quiet machine): the broker's boot is CPU-bound, and three things
# below cut its CPU from about 5.6 s to about 2.9 s; see "slim home", "-config" and "-sname".
set -u
: "${RMQ_BASE:?}" "${RMQ_AMQP_PORT:?}" "${RMQ_MGMT_PORT:?}" "${RMQ_DIST_PORT:?}" \
  "${RMQ_EPMD_PORT:?}" "${RMQ_USER:?}" "${RMQ_PASS:?}"
STOP_TIMEOUT="${RMQ_STOP_TIMEOUT:-4}"
SERVER="${RMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}"
NODENAME="${RMQ_NODENAME:-hpcaspire-$RMQ_AMQP_PORT@localhost}"

mkdir -p "$RMQ_BASE/home" "$RMQ_BASE/mnesia" "$RMQ_BASE/log" || exit 1

# The broker's settings as application environment that the VM reads at boot (-config). There is
# deliberately no rabbitmq.conf, advanced.config or conf.d: any of them makes the broker load and apply
# the Cuttlefish schemas of its plugins first (about 0.5 s of CPU per start). AMQP listener, node name,
# user and directories come from the RABBITMQ_* variables further down.
cat > "$RMQ_BASE/hpcaspire.config" <<EOF
[{rabbit, [{log, [{console, [{enabled, true}, {level, info},
                             {formatter, {rabbit_logger_text_fmt, #{use_colors => false}}}]},
                  {file, [{file, false}]}]}]},
 {rabbitmq_management, [{tcp_config, [{ip, "127.0.0.1"}, {port, $RMQ_MGMT_PORT}]}]},
 {kernel, [{inet_dist_use_interface, {127,0,0,1}},
           {inet_dist_listen_min, $RMQ_DIST_PORT}, {inet_dist_listen_max, $RMQ_DIST_PORT}]}].
EOF
echo '[rabbitmq_management].' > "$RMQ_BASE/enabled_plugins"
: > "$RMQ_BASE/rabbitmq-env.conf"           # shadows /etc/rabbitmq/rabbitmq-env.conf

# Slim home: a private RABBITMQ_HOME whose plugins directory links only the applications the broker and
# the management plugin need (their dependency closure from the .app files: 26 of Debian's 71). The VM
# looks each module it loads up in every directory of its code path, and the broker reads every plugin's
# .app file at start; with the package's full plugins directory that was about 2 s of CPU per start.
# Anything unexpected (another layout, a dependency found nowhere, whitespace in RMQ_BASE, which the
# package's scripts do not quote) falls back to the package's own home.
PKG_HOME=$(dirname "$(dirname "$(readlink -f "$SERVER")")")
plugin_dir() { local d; for d in "$PKG_HOME/plugins/$1"-[0-9]*; do [ -d "$d" ] && { echo "$d"; return 0; }; done; return 1; }
otp_app() { local d; for d in /usr/lib/erlang/lib/"$1"-[0-9]*; do [ -d "$d" ] && return 0; done; return 1; }
app_deps() {  # applications and included_applications of the .app file $1
  tr -d ' \n\t' < "$1" | grep -o '{\(included_\)\?applications,\[[^]]*\]' | sed 's/^.*\[//; s/\]$//' | tr ',' ' '
}
slim_home() {
  local home="$RMQ_BASE/server" queue="rabbit rabbitmq_prelaunch rabbitmq_management" seen=" " app dir entry
  mkdir -p "$home/plugins" || return 1
  for entry in "$PKG_HOME"/*; do
    [ "${entry##*/}" = plugins ] || ln -sfn "$entry" "$home/${entry##*/}" || return 1
  done
  while [ -n "${queue// /}" ]; do
    read -r app queue <<< "$queue"
    case "$seen" in *" $app "*) continue;; esac
    seen="$seen$app "
    if dir=$(plugin_dir "$app"); then
      [ -f "$dir/ebin/$app.app" ] || return 1
      ln -sfn "$dir" "$home/plugins/${dir##*/}" || return 1
      queue="$queue $(app_deps "$dir/ebin/$app.app")"
    elif ! otp_app "$app"; then
      echo "rabbitmq-local: no application $app in $PKG_HOME/plugins or Erlang/OTP" >&2
      return 1
    fi
  done
  echo "$home"
}
if [ -d "$PKG_HOME/plugins" ] && [[ "$RMQ_BASE" != *[[:space:]]* ]] && SLIM_HOME=$(slim_home); then
  # rabbitmq-env takes RABBITMQ_HOME (and so ERL_LIBS, the code path) from the scripts' directory.
  export RABBITMQ_SCRIPTS_DIR="$SLIM_HOME/sbin" RABBITMQ_PLUGINS_DIR="$SLIM_HOME/plugins"
  SERVER="$SLIM_HOME/sbin/rabbitmq-server"
else
  echo "rabbitmq-local: starting with every application of $PKG_HOME/plugins on the code path (slower)" >&2
fi

export HOME="$RMQ_BASE/home"                # .erlang.cookie is auto-created here
export RABBITMQ_CONF_ENV_FILE="$RMQ_BASE/rabbitmq-env.conf"
# None of these exist (see hpcaspire.config): set so that the ones under /etc/rabbitmq are not read.
export RABBITMQ_CONFIG_FILE="$RMQ_BASE/rabbitmq.conf"
export RABBITMQ_CONFIG_FILES="$RMQ_BASE/conf.d/*.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_BASE/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_BASE/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$RMQ_BASE/mnesia"
export RABBITMQ_LOG_BASE="$RMQ_BASE/log"
export RABBITMQ_NODENAME="$NODENAME"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RMQ_AMQP_PORT"
export RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
export RABBITMQ_DEFAULT_USER="$RMQ_USER" RABBITMQ_DEFAULT_PASS="$RMQ_PASS"
export ERL_EPMD_PORT="$RMQ_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
# ALLOW_INPUT makes rabbitmq-server 'exec erl', so $! below is beam.smp itself;
# -noinput/+B i restore what the script would otherwise pass.
# -sname: distribution starts with the VM. Otherwise the broker's prelaunch starts it and first runs a
# second Erlang VM only to make sure an epmd is up (ours is), about 0.5 s of CPU.
export RABBITMQ_ALLOW_INPUT=true
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput +B i -sname $NODENAME -config hpcaspire"  # relative: started in $RMQ_BASE
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

"$SERVER" &
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
