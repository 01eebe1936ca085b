#!/usr/bin/env bash
# The local Kafka broker(s): real Apache Kafka (KRaft) run from Maven Central jars, one JVM per node.
#   kafka-local.sh start|stop|status|wait|clean|bootstrap|kill N|start-node N
#     start        start every node that is not running (formats storage on first start), wait until ready,
#                  print the bootstrap list
#     stop         SIGTERM every node at once (clean shutdown), SIGKILL after 30 s
#     status       one line per node; exit 0 all running, 1 some starting/unhealthy/down, 3 all stopped
#     wait         wait until every node is ready
#     clean        stop and delete the data (runtime/kafka)
#     bootstrap    print the bootstrap list, e.g. localhost:9092,localhost:9094,localhost:9096
#     kill N       SIGKILL node N (like kill -9), return when it is gone; its data stays
#     start-node N start node N again (same ports and data) and wait until it is ready
# QUORUM_BROKERS (1): 1 = one combined broker+controller node, exactly as before; 3 = three combined nodes
#   (three controller voters) with default.replication.factor=3, min.insync.replicas=2. When QUORUM_BROKERS is
#   unset and a 3-node cluster was started in this runtime (and not stopped), commands act on those 3 nodes.
# Ports: node i (1..N) listens on QUORUM_KAFKA_PORT + 2(i-1) for clients and QUORUM_KAFKA_CONTROLLER_PORT +
#   2(i-1) for the controller. Defaults, N=1: 9092 (controller 9093). N=3: 9092, 9094, 9096 (controllers 9093,
#   9095, 9097).
# Files, N=1: runtime/kafka/{data,server.properties,kafka.pid}, runtime/logs/kafka.log.
#   N=3: runtime/kafka/node-i/{data,server.properties,kafka.pid}, runtime/logs/kafka-i.log.
# Environment (defaults): QUORUM_RUNTIME (<repo>/runtime), QUORUM_KAFKA_PORT (9092),
# QUORUM_KAFKA_CONTROLLER_PORT (9093), QUORUM_KAFKA_HOST (localhost), QUORUM_KAFKA_ADVERTISED_HOST (localhost),
# QUORUM_KAFKA_HEAP (-Xmx512m, per node), QUORUM_KAFKA_START_TIMEOUT seconds (60), QUORUM_KAFKA_CLUSTER_ID.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runtime="${QUORUM_RUNTIME:-$root/runtime}"
port="${QUORUM_KAFKA_PORT:-9092}"
cport="${QUORUM_KAFKA_CONTROLLER_PORT:-9093}"
host="${QUORUM_KAFKA_HOST:-localhost}"
advertised="${QUORUM_KAFKA_ADVERTISED_HOST:-localhost}"
heap="${QUORUM_KAFKA_HEAP:--Xmx512m}"
timeout="${QUORUM_KAFKA_START_TIMEOUT:-60}"
kdir="$runtime/kafka"
lib="$here/target/lib"
log4j="-Dlog4j2.configurationFile=$here/config/log4j2.properties"
mode_file="$kdir/brokers"   # written while a 3-node cluster is up, so later commands find it without QUORUM_BROKERS

die() { echo "kafka-local: $*" >&2; exit 1; }

if [[ -n "${QUORUM_BROKERS:-}" ]]; then brokers="$QUORUM_BROKERS"
elif [[ -f "$mode_file" ]]; then brokers="$(cat "$mode_file")"
else brokers=1; fi
[[ "$brokers" == 1 || "$brokers" == 3 ]] || die "QUORUM_BROKERS=$brokers: only 1 or 3 brokers are supported"

# node i's settings: n_port n_cport n_dir n_data n_config n_pidfile n_log n_template
node() {
  local i="$1"
  if (( brokers == 1 )); then
    n_port="$port"; n_cport="$cport"; n_dir="$kdir"; n_log="$runtime/logs/kafka.log"
    n_template="$here/config/server.properties.template"
  else
    n_port=$((port + 2 * (i - 1))); n_cport=$((cport + 2 * (i - 1))); n_dir="$kdir/node-$i"
    n_log="$runtime/logs/kafka-$i.log"; n_template="$here/config/server-3.properties.template"
  fi
  n_data="$n_dir/data"; n_config="$n_dir/server.properties"; n_pidfile="$n_dir/kafka.pid"
}

nodes() { seq 1 "$brokers"; }

check_node_arg() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= brokers )) \
    || die "no node '${1:-}': nodes are 1 to $brokers (set QUORUM_BROKERS=3 for a 3-node cluster)"
}

label() { if (( brokers == 1 )); then echo "kafka-local:"; else echo "kafka-local: node $1"; fi; }
what() { if (( brokers == 1 )); then echo "the broker"; else echo "node $1"; fi; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() { # of node $1
  node "$1"
  [[ -f "$n_pidfile" ]] || return 1
  local pid; pid="$(cat "$n_pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

who_listens() {
  command -v ss >/dev/null 2>&1 && ss -ltnp "sport = :$1" 2>/dev/null | awk 'NR>1 {print $NF}' | head -1
}

check_java() {
  command -v java >/dev/null 2>&1 || die "no 'java' on PATH: install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless)"
  local v; v="$(java -version 2>&1 | awk -F'"' '/version/ {print $2}' | cut -d. -f1)"
  [[ "$v" =~ ^[0-9]+$ && "$v" -ge 17 ]] || die "Java $v found; Kafka and Quorum need Java 17 or newer"
}

bootstrap_list() {
  local list=() i
  for i in $(nodes); do node "$i"; list+=("$advertised:$n_port"); done
  (IFS=,; echo "${list[*]}")
}

voters() {
  local list=() i
  for i in $(nodes); do node "$i"; list+=("$i@localhost:$n_cport"); done
  (IFS=,; echo "${list[*]}")
}

check_ports_distinct() {
  local all=() i
  for i in $(nodes); do node "$i"; all+=("$n_port" "$n_cport"); done
  local dup; dup="$(printf '%s\n' "${all[@]}" | sort | uniq -d | head -1)"
  [[ -z "$dup" ]] || die "port $dup is used twice by the $brokers-node layout (clients QUORUM_KAFKA_PORT+2(i-1), controllers QUORUM_KAFKA_CONTROLLER_PORT+2(i-1)); choose other ports"
}

cluster_id() { # the id of any formatted node, else QUORUM_KAFKA_CLUSTER_ID, else a new one
  local i f id
  for i in $(nodes); do
    node "$i"; f="$n_data/meta.properties"
    if [[ -f "$f" ]]; then id="$(sed -n 's/^cluster\.id=//p' "$f" | head -1)"; [[ -n "$id" ]] && { echo "$id"; return; }; fi
  done
  id="${QUORUM_KAFKA_CLUSTER_ID:-$(java -cp "$lib/*" "$log4j" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)}"
  [[ -n "$id" ]] || die "could not generate a cluster id (is $lib complete?)"
  echo "$id"
}

# renders node $1's configuration and formats its storage if it is new
prepare() {
  local i="$1" cluster="$2"
  node "$i"
  mkdir -p "$n_dir" "$runtime/logs"
  sed -e "s|@PORT@|$n_port|g" -e "s|@CONTROLLER_PORT@|$n_cport|g" -e "s|@HOST@|$host|g" \
      -e "s|@ADVERTISED_HOST@|$advertised|g" -e "s|@DATA_DIR@|$n_data|g" \
      -e "s|@NODE_ID@|$i|g" -e "s|@VOTERS@|$(voters)|g" \
      "$n_template" > "$n_config"
  if [[ ! -f "$n_data/meta.properties" ]]; then
    java -cp "$lib/*" "$log4j" kafka.tools.StorageTool format \
      --cluster-id "$cluster" --config "$n_config" >> "$n_log" 2>&1 \
      || die "formatting the storage of $(what "$i") failed; see $n_log"
  fi
}

# launches node $1's JVM (does not wait)
launch() {
  local i="$1"
  node "$i"
  # readiness is judged on what this run logs, not on an earlier run's "Kafka Server started"
  touch "$n_log"; wc -c < "$n_log" | tr -d ' ' > "$n_dir/kafka.log.offset"
  nohup java $heap -XX:+UseG1GC -Djava.awt.headless=true "$log4j" \
    -cp "$lib/*" kafka.Kafka "$n_config" >> "$n_log" 2>&1 &
  echo $! > "$n_pidfile"
}

# starts the nodes given as arguments that are not running, then waits for all of them
start_nodes() {
  check_java
  [[ -d "$lib" ]] || die "broker classpath $lib is missing: build it with ./mvnw -pl infra/kafka-local package"
  check_ports_distinct
  local i pid todo=() starting=()
  for i in "$@"; do
    if pid="$(running_pid "$i")"; then
      node "$i"
      if port_open "$n_port"; then echo "$(label "$i") already running (pid $pid) on $host:$n_port"
      else starting+=("$i"); fi  # launched but not listening yet: wait for it, do not start a second JVM
      continue
    fi
    todo+=("$i")
  done
  if (( ${#todo[@]} + ${#starting[@]} == 0 )); then return 0; fi
  if (( ${#todo[@]} == 0 )); then wait_ready "${starting[@]}"; return; fi
  for i in "${todo[@]}"; do
    node "$i"
    for p in "$n_port" "$n_cport"; do
      if port_open "$p"; then
        local owner; owner="$(who_listens "$p" || true)"
        die "port $p is already taken${owner:+ by $owner}; stop that process or set QUORUM_KAFKA_PORT / QUORUM_KAFKA_CONTROLLER_PORT"
      fi
    done
  done
  local cluster; cluster="$(cluster_id)"
  if (( brokers > 1 )); then mkdir -p "$kdir"; echo "$brokers" > "$mode_file"; fi
  if (( ${#todo[@]} == 1 )); then prepare "${todo[0]}" "$cluster"
  else # format the nodes side by side: each is a JVM start
    local jobs=()
    for i in "${todo[@]}"; do prepare "$i" "$cluster" & jobs+=($!); done
    for j in "${jobs[@]}"; do wait "$j" || exit 1; done
  fi
  for i in "${todo[@]}"; do launch "$i"; done
  wait_ready "${starting[@]}" "${todo[@]}"
}

# waits until each node given (default: all) answers on its port and has logged "Kafka Server started"
wait_ready() {
  local ids=("$@") i pid offset
  (( ${#ids[@]} )) || ids=($(nodes))
  local deadline=$((SECONDS + timeout))
  for i in "${ids[@]}"; do
    pid="$(running_pid "$i")" || { node "$i"; die "$(what "$i") is not running; see $n_log"; }
    node "$i"
    offset=0; [[ -f "$n_dir/kafka.log.offset" ]] && offset="$(cat "$n_dir/kafka.log.offset")"
    until port_open "$n_port" && tail -c +$((offset + 1)) "$n_log" 2>/dev/null | grep -q "Kafka Server started"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$n_log" >&2 || true
        die "$(what "$i") exited during start-up; full log: $n_log"
      fi
      (( SECONDS < deadline )) || die "$(what "$i") did not become ready within ${timeout}s; see $n_log"
      sleep 0.5
    done
    echo "$(label "$i") ready on $host:$n_port (pid $pid, data $n_data, log $n_log)"
  done
  if (( brokers > 1 )); then echo "kafka-local: bootstrap $(bootstrap_list)"; fi
}

# SIGTERM to every running node of the given ones at once (a lone node of three could not finish its controlled
# shutdown once the others were gone), SIGKILL what still runs after 30 s
stop_nodes() {
  local i pid pids=() stopped=()
  for i in "$@"; do
    if pid="$(running_pid "$i")"; then kill -TERM "$pid"; pids+=("$pid"); stopped+=("$i")
    elif (( brokers == 1 )); then echo "kafka-local: not running"
    else echo "kafka-local: node $i not running"; fi
    node "$i"; rm -f "$n_pidfile"
  done
  for _ in $(seq 1 60); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then echo "kafka-local: broker (pid $pid) did not stop in 30s, killing" >&2; kill -KILL "$pid"; fi
  done
  for i in "${stopped[@]}"; do
    if (( brokers == 1 )); then echo "kafka-local: stopped"; else echo "kafka-local: node $i stopped"; fi
  done
}

stop() {
  stop_nodes $(nodes)
  if (( brokers > 1 )); then rm -f "$mode_file"; fi
}

kill_node() {
  check_node_arg "${1:-}"
  local i="$1" pid
  if ! pid="$(running_pid "$i")"; then echo "$(label "$i") not running"; return 0; fi
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  node "$i"; rm -f "$n_pidfile"
  echo "$(label "$i") killed (SIGKILL, pid $pid); data kept in $n_data. Start it again: $0 start-node $i"
}

status() {
  local i pid up=0 down=0 bad=0
  for i in $(nodes); do
    node "$i"
    if pid="$(running_pid "$i")" && port_open "$n_port"; then echo "$(label "$i") running (pid $pid) on $host:$n_port"; up=$((up + 1))
    elif pid="$(running_pid "$i")"; then echo "$(label "$i") starting or unhealthy (pid $pid, port $n_port closed)"; bad=$((bad + 1))
    else echo "$(label "$i") stopped"; down=$((down + 1)); fi
  done
  if (( brokers > 1 && up > 0 )); then echo "kafka-local: bootstrap $(bootstrap_list)"; fi
  if (( bad == 0 && down == 0 )); then return 0; fi
  if (( up == 0 && bad == 0 )); then return 3; fi
  return 1
}

clean() {
  stop
  # nodes of the other layout (started with another QUORUM_BROKERS) run on the data about to be removed
  local other=$(( brokers == 1 ? 3 : 1 ))
  if [[ -n "$(ls "$kdir"/node-*/kafka.pid "$kdir"/kafka.pid 2>/dev/null)" ]]; then
    (brokers=$other; stop_nodes $(nodes) >/dev/null)
  fi
  rm -rf "$kdir"
  echo "kafka-local: data removed"
}

case "${1:-}" in
  start) start_nodes $(nodes) ;;
  stop) stop ;;
  status) status ;;
  wait) wait_ready ;;
  clean) clean ;;
  bootstrap) bootstrap_list ;;
  kill) kill_node "${2:-}" ;;
  start-node) check_node_arg "${2:-}"; start_nodes "$2" ;;
  *) echo "usage: $0 start|stop|status|wait|clean|bootstrap|kill N|start-node N" >&2; exit 2 ;;
esac
