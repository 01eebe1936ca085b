#!/usr/bin/env bash
# The local Kafka broker: a real Apache Kafka (KRaft, one combined node) run from Maven Central jars.
#   kafka-local.sh start|stop|status|wait|clean
# Environment (defaults): QUORUM_RUNTIME (<repo>/runtime), QUORUM_KAFKA_PORT (9092),
# QUORUM_KAFKA_CONTROLLER_PORT (9093), QUORUM_KAFKA_HOST (localhost), QUORUM_KAFKA_HEAP (-Xmx512m),
# QUORUM_KAFKA_START_TIMEOUT seconds (60).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runtime="${QUORUM_RUNTIME:-$root/runtime}"
port="${QUORUM_KAFKA_PORT:-9092}"
cport="${QUORUM_KAFKA_CONTROLLER_PORT:-9093}"
host="${QUORUM_KAFKA_HOST:-localhost}"
heap="${QUORUM_KAFKA_HEAP:--Xmx512m}"
timeout="${QUORUM_KAFKA_START_TIMEOUT:-60}"
kdir="$runtime/kafka"
pidfile="$kdir/kafka.pid"
logfile="$runtime/logs/kafka.log"
lib="$here/target/lib"

die() { echo "kafka-local: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid; pid="$(cat "$pidfile")"
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

start() {
  check_java
  if pid="$(running_pid)"; then
    if port_open "$port"; then echo "kafka-local: already running (pid $pid) on $host:$port"; return 0; fi
  fi
  [[ -d "$lib" ]] || die "broker classpath $lib is missing: build it with ./mvnw -pl infra/kafka-local package"
  for p in "$port" "$cport"; do
    if port_open "$p"; then
      local owner; owner="$(who_listens "$p" || true)"
      die "port $p is already taken${owner:+ by $owner}; stop that process or set QUORUM_KAFKA_PORT / QUORUM_KAFKA_CONTROLLER_PORT"
    fi
  done
  mkdir -p "$kdir" "$runtime/logs"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$cport|g" -e "s|@HOST@|$host|g" \
      -e "s|@ADVERTISED_HOST@|${QUORUM_KAFKA_ADVERTISED_HOST:-localhost}|g" -e "s|@DATA_DIR@|$kdir/data|g" \
      "$here/config/server.properties.template" > "$kdir/server.properties"
  local cp="$lib/*"
  if [[ ! -f "$kdir/data/meta.properties" ]]; then
    local cluster="${QUORUM_KAFKA_CLUSTER_ID:-$(java -cp "$cp" -Dlog4j2.configurationFile="$here/config/log4j2.properties" \
      kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)}"
    [[ -n "$cluster" ]] || die "could not generate a cluster id (is $lib complete?)"
    java -cp "$cp" -Dlog4j2.configurationFile="$here/config/log4j2.properties" kafka.tools.StorageTool format \
      --cluster-id "$cluster" --config "$kdir/server.properties" >> "$logfile" 2>&1 \
      || die "formatting the broker storage failed; see $logfile"
  fi
  nohup java $heap -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/config/log4j2.properties" \
    -cp "$cp" kafka.Kafka "$kdir/server.properties" >> "$logfile" 2>&1 &
  echo $! > "$pidfile"
  wait_ready
}

wait_ready() {
  local pid; pid="$(running_pid)" || die "broker is not running; see $logfile"
  local deadline=$((SECONDS + timeout))
  until port_open "$port" && grep -q "Kafka Server started" "$logfile" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$logfile" >&2 || true
      die "the broker exited during start-up; full log: $logfile"
    fi
    (( SECONDS < deadline )) || die "the broker did not become ready within ${timeout}s; see $logfile"
    sleep 0.5
  done
  echo "kafka-local: ready on $host:$port (pid $pid, data $kdir/data, log $logfile)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then echo "kafka-local: not running"; rm -f "$pidfile"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then echo "kafka-local: broker did not stop in 30s, killing" >&2; kill -KILL "$pid"; fi
  rm -f "$pidfile"
  echo "kafka-local: stopped"
}

status() {
  local pid
  if pid="$(running_pid)" && port_open "$port"; then echo "kafka-local: running (pid $pid) on $host:$port"
  elif pid="$(running_pid)"; then echo "kafka-local: starting or unhealthy (pid $pid, port $port closed)"; return 1
  else echo "kafka-local: stopped"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  wait) wait_ready ;;
  clean) stop; rm -rf "$kdir"; echo "kafka-local: data removed" ;;
  *) echo "usage: $0 start|stop|status|wait|clean" >&2; exit 2 ;;
esac
