#!/usr/bin/env bash
# A real single-node Apache Cassandra 5.0.x for tests, run from Maven Central jars
# (no docker, no Debian package exists). See tools/infra/cassandra/README.md.
#
#   tools/infra/cassandra.sh install
#   tools/infra/cassandra.sh start  [--port 9042] [--data DIR] [--timeout 180]
#   tools/infra/cassandra.sh status [--port 9042] [--data DIR]
#   tools/infra/cassandra.sh stop   [--port 9042] [--data DIR] [--all]
#   tools/infra/cassandra.sh kill   [--port 9042] [--data DIR]   (SIGKILL: a crash, for durability tests)
#   tools/infra/cassandra.sh reset  [--port 9042] [--data DIR]   (stop + delete the node's data)
#   tools/infra/cassandra.sh cql    [--port 9042] 'CQL STATEMENT' ...  (needs node_modules/cassandra-driver)
#   tools/infra/cassandra.sh nodetool [--port 9042] -- ARGS...      (node must run with CASSANDRA_JMX_PORT)
#   tools/infra/cassandra.sh logs   [--port 9042] [--data DIR]   (path of the node's system.log)
#
# Environment (all optional):
#   POPPY_CACHE_DIR          cache root (default <repo>/.cache); jars go to $POPPY_CACHE_DIR/cassandra
#   CASSANDRA_HEAP           max heap, -Xmx (default 1G); CASSANDRA_HEAP_MIN: -Xms (default 256M)
#   CASSANDRA_JMX_PORT       enable local JMX (nodetool) on this port (default: JMX off)
#   CASSANDRA_START_TIMEOUT  seconds start waits for CQL (default 180; --timeout overrides)
#   CASSANDRA_STOP_TIMEOUT   seconds stop waits after SIGTERM before SIGKILL (default 60)
#   CASSANDRA_FAST_UNSAFE    1 (default) = NOT DURABLE: skips every fsync (-Dcassandra.unsafesystem,
#                            -Dcassandra.skip_sync), so a crash (kill -9, power loss) can lose acknowledged
#                            writes and even a recently created keyspace's schema. Fine for tests that never
#                            kill the node; a test that kills it must use 0.
#                            0 = durable: fsyncs on, commit log synced before a write is acknowledged
#                            (CASSANDRA_COMMITLOG_SYNC, default batch). See tools/infra/cassandra/README.md.
#   CASSANDRA_COMMITLOG_SYNC batch (default when durable: fsync before each ack), group (one fsync per
#                            CASSANDRA_COMMITLOG_GROUP_WINDOW_MS window, default 10, before the acks of that
#                            window) or periodic (acks before the fsync: loses up to 10 s on a crash)
#   CASSANDRA_USE_CDS        1 (default) = AppCDS class-data archive (faster JVM start); 0 = off
#   CASSANDRA_JVM_OPTS       extra JVM options (word-split), appended last
#   CASSANDRA_EXTRA_YAML     file whose content is appended to the generated cassandra.yaml
#   JAVA_HOME                a Java 17 or 11 to use (else `java` on PATH, else /usr/lib/jvm/java-{17,11}-*)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TOOL_DIR="$SCRIPT_DIR/cassandra"
POM="$TOOL_DIR/pom.xml"
CACHE_ROOT="$(realpath -m "${POPPY_CACHE_DIR:-$REPO_ROOT/.cache}")"
CASS_CACHE="$CACHE_ROOT/cassandra"
RUN_DIR="$CASS_CACHE/run"
MAIN_CLASS=org.apache.cassandra.service.CassandraDaemon
MARK_PROP=poppy.cassandra.native_port # our own -D marker: identifies nodes this script started

log() { printf 'cassandra: %s\n' "$*" >&2; }
die() { printf 'cassandra: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%01d' $((d / 1000)) $(((d % 1000) / 100)); }

# ---------------------------------------------------------------- versions / paths
cassandra_version() {
  local v
  v="$(sed -n 's:.*<cassandra.version>\(.*\)</cassandra.version>.*:\1:p' "$POM" | head -n1)"
  [[ -n "$v" ]] || die "cannot read <cassandra.version> from $POM"
  printf '%s' "$v"
}
VERSION="$(cassandra_version)"
INSTALL_DIR="$CASS_CACHE/$VERSION"
LIB_DIR="$INSTALL_DIR/lib"
MARKER="$INSTALL_DIR/.installed"

# ---------------------------------------------------------------- java / maven
java_major() { # $1 = java binary; prints the major version (11, 17, ...; "1.8" -> 8)
  local line major minor
  line="$("$1" -version 2>&1 | grep -m1 -E 'version "' || true)"
  read -r major minor < <(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/' <<<"$line")
  if [[ "${major:-}" == 1 ]]; then echo "${minor:-0}"; else echo "${major:-0}"; fi
}

JAVA_BIN=""
find_java() {
  [[ -n "$JAVA_BIN" ]] && return 0
  local c m tried=()
  local candidates=()
  [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/java-17-*/bin/java /usr/lib/jvm/*-17*/bin/java /usr/lib/jvm/java-11-*/bin/java /usr/lib/jvm/*-11*/bin/java; do
    [[ -x "$c" ]] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    m="$(java_major "$c")"
    if [[ "$m" == 17 || "$m" == 11 ]]; then
      JAVA_BIN="$c"
      JAVA_MAJOR="$m"
      # e.g. 17.0.15+6-Debian-1deb12u1: the class-data archive is only valid for this exact JVM
      JAVA_BUILD="$("$c" -version 2>&1 | sed -n 's/.*(build \([^)]*\)).*/\1/p' | head -n1 | tr -c 'A-Za-z0-9._+\n-' _)"
      return 0
    fi
    tried+=("$c (Java $m)")
  done
  if ((${#tried[@]} == 0)); then
    die "java not found. Cassandra 5.0 needs Java 17 or 11: apt-get install -y openjdk-17-jdk-headless (or set JAVA_HOME)"
  fi
  die "Cassandra 5.0 runs only on Java 17 or 11; found: ${tried[*]}. Install openjdk-17-jdk-headless or set JAVA_HOME to a JDK 17/11"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 ||
    die "mvn (Apache Maven) not found; it resolves cassandra-all from Maven Central: apt-get install -y maven"
}

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

# ---------------------------------------------------------------- install
installed() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(pom_sum)" && -f "$LIB_DIR/cassandra-all-$VERSION.jar" ]]; }

cmd_install() {
  if installed; then
    log "cassandra-all $VERSION already installed in $LIB_DIR"
    return 0
  fi
  find_java
  need_mvn
  local t0 tmp
  t0="$(now_ms)"
  log "resolving org.apache.cassandra:cassandra-all:$VERSION + runtime deps from Maven Central into $LIB_DIR ..."
  mkdir -p "$INSTALL_DIR"
  tmp="$(mktemp -d "$INSTALL_DIR/lib.tmp.XXXXXX")"
  if ! JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")" \
    mvn -B -q -f "$POM" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$INSTALL_DIR/mvn.log" 2>&1; then
    tail -n 40 "$INSTALL_DIR/mvn.log" >&2
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (full log: $INSTALL_DIR/mvn.log)"
  fi
  [[ -f "$tmp/cassandra-all-$VERSION.jar" ]] || { rm -rf "$tmp"; die "cassandra-all-$VERSION.jar missing after mvn"; }
  # Jars for other OSes/CPUs are dead weight on the classpath.
  rm -f "$tmp"/*-osx-*.jar "$tmp"/*-windows-*.jar
  case "$(uname -m)" in
    x86_64) rm -f "$tmp"/*-linux-aarch_64.jar "$tmp"/*-linux-riscv64.jar ;;
    aarch64) rm -f "$tmp"/*-linux-x86_64.jar "$tmp"/*-linux-riscv64.jar ;;
  esac
  rm -rf "$LIB_DIR" "$INSTALL_DIR"/cds-*.jsa*
  mv "$tmp" "$LIB_DIR"
  pom_sum >"$MARKER"
  log "installed cassandra-all $VERSION ($(find "$LIB_DIR" -name '*.jar' | wc -l) jars, $(du -sh "$LIB_DIR" | cut -f1)) in $(secs_since "$t0")s"
}

# ---------------------------------------------------------------- ports / processes
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A real CQL exchange: OPTIONS (protocol v4, stream 1) must be answered by SUPPORTED.
cql_ping() {
  local out
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  out="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x04\x00\x00\x01\x05\x00\x00\x00\x00" >&3
    head -c 5 <&3 | od -An -tx1' _ "$1" 2>/dev/null)" || return 1
  # response header: version 0x84 (v4 response), flags 0, stream 1, opcode 0x06 SUPPORTED
  [[ "${out//[[:space:]]/}" == "8400000106" ]]
}

driver_available() { [[ -d "$REPO_ROOT/node_modules/cassandra-driver" ]] && command -v node >/dev/null 2>&1; }

# pids of CassandraDaemon processes this script started (marker property), optionally for one port
our_pids() {
  local f pat="-D$MARK_PROP=${1:-[0-9]*}"
  # -z: NUL-separated args, -x: a whole arg must match (so 9042 never matches 90420)
  # shellcheck disable=SC2013 # /proc/<pid>/cmdline paths have no spaces
  for f in $(grep -l -a -z -x -e "$pat" /proc/[0-9]*/cmdline 2>/dev/null); do
    f="${f#/proc/}"
    f="${f%/cmdline}"
    [[ "$f" != self && "$f" != "$$" && "$f" != "$BASHPID" ]] && pid_alive "$f" && echo "$f"
  done
  return 0
}
pid_storagedir() { tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | sed -n "s/^-Dcassandra.storagedir=//p"; }
pid_port() { tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | sed -n "s/^-D$MARK_PROP=//p"; }
pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline")" == *" $MAIN_CLASS"* ]]; }

pick_storage_port() { # $1 = base dir, $2 = native port
  local f="$1/storage_port" p
  if [[ -f "$f" ]]; then
    p="$(cat "$f")"
    if [[ "$p" != "$2" ]] && ! port_in_use "$p" && ! storage_port_reserved "$p" "$1"; then echo "$p"; return; fi
  fi
  for ((p = 7000; p < 7999; p++)); do
    [[ "$p" == "$2" || "$p" == 7199 ]] && continue
    port_in_use "$p" && continue
    storage_port_reserved "$p" "$1" && continue
    echo "$p" >"$f"
    echo "$p"
    return
  done
  die "no free storage port in 7000-7998"
}
storage_port_reserved() { # another live node (maybe still starting) already claimed this storage port
  local r pid
  for r in "$RUN_DIR"/*.node; do
    [[ -f "$r" ]] || continue
    pid="$(sed -n 's/^pid=//p' "$r")"
    [[ "$(sed -n 's/^base=//p' "$r")" == "$2" ]] && continue
    [[ "$(sed -n 's/^storage_port=//p' "$r")" == "$1" ]] && pid_alive "$pid" && return 0
  done
  return 1
}

# ---------------------------------------------------------------- args
PORT=9042
PORT_SET=0
BASE=""
DATA_SET=0
TIMEOUT="${CASSANDRA_START_TIMEOUT:-180}"
ALL=0
CQL_ARGS=()
parse_args() { # $1 = command, then its arguments
  local cmd="$1"
  shift
  while (($#)); do
    case "$1" in
      --port) PORT="${2:?--port needs a value}"; PORT_SET=1; shift 2 ;;
      --port=*) PORT="${1#*=}"; PORT_SET=1; shift ;;
      --data) BASE="${2:?--data needs a value}"; DATA_SET=1; shift 2 ;;
      --data=*) BASE="${1#*=}"; DATA_SET=1; shift ;;
      --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
      --timeout=*) TIMEOUT="${1#*=}"; shift ;;
      --all) ALL=1; shift ;;
      -h | --help) usage; exit 0 ;;
      --) shift; CQL_ARGS+=("$@"); break ;;
      -*) die "unknown option: $1" ;;
      *) CQL_ARGS+=("$1"); shift ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ ]] || die "bad --port: $PORT"
  if [[ -z "$BASE" ]]; then
    # --port alone: the data dir a previous start used for that port, else the default
    if [[ -f "$RUN_DIR/$PORT.node" ]]; then BASE="$(sed -n 's/^base=//p' "$RUN_DIR/$PORT.node")"; fi
    [[ -n "$BASE" ]] || BASE="$CASS_CACHE/nodes/$PORT"
  fi
  BASE="$(realpath -m "$BASE")"
  PID_FILE="$BASE/cassandra.pid"
  if ((!PORT_SET)) && [[ "$cmd" != start ]]; then
    # --data alone (stop/status/...): use the CQL port of the node running on that data dir
    local p
    p="$(cat "$PID_FILE" 2>/dev/null || true)"
    if pid_alive "$p"; then PORT="$(pid_port "$p")"; fi
  fi
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p'; }

# ---------------------------------------------------------------- config files
write_config() { # $1 = storage port
  local conf="$BASE/conf"
  mkdir -p "$conf/triggers" "$BASE/data" "$BASE/logs" "$BASE/tmp"
  cat >"$conf/cassandra.yaml" <<EOF
# Generated by tools/infra/cassandra.sh on every start -- edits are overwritten.
# Single-node Cassandra $VERSION test database on 127.0.0.1. Data: $BASE/data
cluster_name: 'Poppy Test Cluster'
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$1"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: $1
start_native_transport: true
native_transport_port: $PORT
auto_bootstrap: false

data_file_directories:
  - $BASE/data/data
commitlog_directory: $BASE/data/commitlog
saved_caches_directory: $BASE/data/saved_caches
hints_directory: $BASE/data/hints
cdc_raw_directory: $BASE/data/cdc_raw

$(commitlog_yaml)
commitlog_segment_size: 8MiB
auto_snapshot: false
incremental_backups: false
snapshot_before_compaction: false
memtable_allocation_type: heap_buffers
storage_compatibility_mode: NONE

# small-machine / test settings
concurrent_compactors: 1
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
memtable_flush_writers: 1
key_cache_size: 16MiB
counter_cache_size: 4MiB
native_transport_max_threads: 32
hinted_handoff_enabled: false
dynamic_snitch: false
EOF
  if [[ -n "${CASSANDRA_EXTRA_YAML:-}" ]]; then
    [[ -f "$CASSANDRA_EXTRA_YAML" ]] || die "CASSANDRA_EXTRA_YAML=$CASSANDRA_EXTRA_YAML: no such file"
    { echo; echo "# --- from $CASSANDRA_EXTRA_YAML"; cat "$CASSANDRA_EXTRA_YAML"; } >>"$conf/cassandra.yaml"
  fi
  cat >"$conf/logback.xml" <<EOF
<configuration scan="false">
  <appender name="SYSTEMLOG" class="ch.qos.logback.core.FileAppender">
    <file>$BASE/logs/system.log</file>
    <append>true</append>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="SYSTEMLOG" />
    <appender-ref ref="STDOUT" />
  </root>
  <logger name="org.apache.cassandra" level="INFO" />
</configuration>
EOF
  cat >"$conf/logback-tools.xml" <<EOF
<configuration scan="false">
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR" /></root>
</configuration>
EOF
}

# The commit log is the only thing that makes an acknowledged write survive a crash of this
# (single) node: periodic acknowledges before it syncs; batch and group sync first.
commitlog_yaml() {
  local mode="${CASSANDRA_COMMITLOG_SYNC:-}"
  if [[ -z "$mode" ]]; then
    if [[ "${CASSANDRA_FAST_UNSAFE:-1}" == 1 ]]; then mode=periodic; else mode=batch; fi
  fi
  case "$mode" in
    batch) echo "commitlog_sync: batch" ;;
    group)
      echo "commitlog_sync: group"
      echo "commitlog_sync_group_window: ${CASSANDRA_COMMITLOG_GROUP_WINDOW_MS:-10}ms"
      ;;
    periodic)
      echo "commitlog_sync: periodic"
      echo "commitlog_sync_period: 10000ms"
      ;;
    *) die "CASSANDRA_COMMITLOG_SYNC must be batch, group or periodic, got '$mode'" ;;
  esac
}

jpms_opts() { # Java 11/17 module-system access Cassandra needs (from conf/jvm17-server.options)
  cat <<EOF
-Djdk.attach.allowAttachSelf=true
--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
--add-exports=java.base/sun.nio.ch=ALL-UNNAMED
--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED
--add-exports=java.sql/java.sql=ALL-UNNAMED
--add-exports=java.management/com.sun.jmx.remote.security=ALL-UNNAMED
--add-exports=java.base/java.lang.ref=ALL-UNNAMED
--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED
--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
--add-opens=java.base/java.lang.module=ALL-UNNAMED
--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED
--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED
--add-opens=java.base/jdk.internal.math=ALL-UNNAMED
--add-opens=java.base/jdk.internal.module=ALL-UNNAMED
--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED
--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
--add-opens=java.base/java.io=ALL-UNNAMED
--add-opens=java.base/java.lang=ALL-UNNAMED
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED
--add-opens=java.base/java.util=ALL-UNNAMED
--add-opens=java.base/java.nio=ALL-UNNAMED
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
EOF
}

jvm_opts() { # prints one option per line
  cat <<EOF
-Xms${CASSANDRA_HEAP_MIN:-256M}
-Xmx${CASSANDRA_HEAP:-1G}
-Xss256k
-XX:+UseG1GC
-XX:+ParallelRefProcEnabled
-XX:MaxTenuringThreshold=1
-XX:G1RSetUpdatingPauseTimePercent=5
-XX:MaxGCPauseMillis=300
-XX:InitiatingHeapOccupancyPercent=70
-XX:+UseThreadPriorities
-XX:+UseTLAB
-XX:+ResizeTLAB
-XX:+PerfDisableSharedMem
-XX:+HeapDumpOnOutOfMemoryError
-XX:+ExitOnOutOfMemoryError
-XX:HeapDumpPath=$BASE/logs
-XX:ErrorFile=$BASE/logs/hs_err_%p.log
-XX:TieredStopAtLevel=1
-ea
-da:net.openhft...
-Djava.net.preferIPv4Stack=true
-Djava.io.tmpdir=$BASE/tmp
-Djna.tmpdir=$BASE/tmp
$(jpms_opts)
-Dio.netty.tryReflectionSetAccessible=true
-Dio.netty.allocator.useCacheForAllThreads=true
-Dio.netty.allocator.maxOrder=11
-Dcassandra-foreground=yes
-Dcassandra.config=file://$BASE/conf/cassandra.yaml
-Dcassandra.storagedir=$BASE/data
-Dcassandra.logdir=$BASE/logs
-Dcassandra.triggers_dir=$BASE/conf/triggers
-Dlogback.configurationFile=$BASE/conf/logback.xml
-Dcassandra.native_transport_port=$PORT
-Dcassandra.skip_wait_for_gossip_to_settle=0
-Dcassandra.ring_delay_ms=1000
-Dcassandra.shutdown_announce_in_ms=0
-Dcassandra.memtable.row_overhead_size=181
-Dcassandra.superuser_setup_delay_ms=0
-Dcassandra.disable_tcactive_openssl=true
-Dchronicle.analytics.disable=true
-Dchronicle.announcer.disable=true
-D$MARK_PROP=$PORT
EOF
  if [[ "${CASSANDRA_FAST_UNSAFE:-1}" == 1 ]]; then
    echo "-Dcassandra.unsafesystem=true"
    echo "-Dcassandra.skip_sync=true"
  fi
  if [[ "${CASSANDRA_USE_CDS:-1}" == 1 && "$JAVA_MAJOR" -ge 17 ]]; then
    local jsa="$INSTALL_DIR/cds-java-${JAVA_BUILD:-$JAVA_MAJOR}.jsa"
    if [[ -s "$jsa" ]]; then
      echo "-XX:SharedArchiveFile=$jsa"
      echo "-Xshare:auto"
    else
      # First start: the JVM dumps the classes it loaded when it exits (clean stop);
      # stop renames the dump into place (so a SIGKILLed, partial dump is never used).
      echo "-XX:ArchiveClassesAtExit=$jsa.tmp-$PORT"
    fi
  fi
  if [[ -n "${CASSANDRA_JMX_PORT:-}" ]]; then
    echo "-Dcassandra.jmx.local.port=$CASSANDRA_JMX_PORT"
  fi
  if [[ -n "${CASSANDRA_JVM_OPTS:-}" ]]; then
    # shellcheck disable=SC2086
    printf '%s\n' ${CASSANDRA_JVM_OPTS}
  fi
}

# ---------------------------------------------------------------- start / stop / status
node_pid() { # live pid of the node on $PORT (by pid file, else by /proc marker; with --data: on that dir), or empty
  local pid=""
  [[ -f "$PID_FILE" ]] && pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if pid_alive "$pid" && [[ "$(pid_port "$pid")" == "$PORT" ]]; then echo "$pid"; return 0; fi
  for pid in $(our_pids "$PORT"); do
    if ((!DATA_SET)) || [[ "$(pid_storagedir "$pid")" == "$BASE/data" ]]; then echo "$pid"; return 0; fi
  done
  return 0
}

wait_ready() { # $1 = pid, $2 = 1 if we launched it (then a timeout stops it)
  local deadline=$(( $(date +%s) + TIMEOUT ))
  while :; do
    if cql_ping "$PORT"; then return 0; fi
    if ! kill -0 "$1" 2>/dev/null; then
      log "the JVM (pid $1) exited during startup"
      show_failure
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${TIMEOUT}s waiting for CQL on 127.0.0.1:$PORT (pid $1)"
      show_failure
      if [[ "${2:-0}" == 1 ]]; then log "stopping pid $1"; stop_pid "$1" 0 || true; rm -f "$PID_FILE" "$RUN_DIR/$PORT.node"; fi
      return 1
    fi
    sleep 0.25
  done
}

show_failure() {
  local f
  for f in "$BASE/logs/stdout.log" "$BASE/logs/system.log"; do
    [[ -s "$f" ]] || continue
    echo "----- tail -n 40 $f" >&2
    tail -n 40 "$f" | cut -c1-400 >&2
  done
}

driver_check() { # prints release_version via the Node.js driver; non-fatal
  driver_available || return 0
  local v
  if v="$(node "$TOOL_DIR/cql.js" --port "$PORT" --quiet "SELECT release_version FROM system.local" 2>&1)"; then
    log "cassandra-driver: connected, release_version=$v"
  else
    log "WARNING: CQL answers OPTIONS but cassandra-driver could not query: $v"
  fi
}

lock() { # $1 = fd, $2 = file: exclusive lock (no-op without flock)
  command -v flock >/dev/null 2>&1 || return 0
  eval "exec $1>\"\$2\""
  flock -w "$TIMEOUT" "$1" || die "timed out waiting for lock $2"
}

cmd_start() {
  local t0 pid sp other
  t0="$(now_ms)"
  mkdir -p "$RUN_DIR"
  lock 8 "$RUN_DIR/$PORT.lock" # one start per port at a time (a 2nd one waits, then sees the node)
  pid="$(node_pid)"
  if [[ -n "$pid" ]]; then
    if cql_ping "$PORT"; then log "already running (pid $pid) and answering on 127.0.0.1:$PORT"; return 0; fi
    log "node pid $pid is starting; waiting for CQL on 127.0.0.1:$PORT ..."
    wait_ready "$pid" 0 || exit 1
    log "ready on 127.0.0.1:$PORT (pid $pid) after $(secs_since "$t0")s"
    return 0
  fi
  if cql_ping "$PORT"; then
    log "a CQL server (not started by this script) already answers on 127.0.0.1:$PORT; nothing to do"
    return 0
  fi
  port_in_use "$PORT" && die "port 127.0.0.1:$PORT is in use by something that does not speak CQL"
  other="$(cat "$PID_FILE" 2>/dev/null || true)"
  if pid_alive "$other"; then
    die "data dir $BASE is in use by another node (pid $other, CQL port $(pid_port "$other"))"
  fi
  installed || cmd_install
  find_java
  lock 9 "$RUN_DIR/launch.lock" # storage-port choice + launch, across all nodes
  mkdir -p "$BASE"
  sp="$(pick_storage_port "$BASE" "$PORT")"
  write_config "$sp"
  [[ -f "$BASE/logs/system.log" ]] && mv -f "$BASE/logs/system.log" "$BASE/logs/system.log.1"
  [[ -f "$BASE/logs/stdout.log" ]] && mv -f "$BASE/logs/stdout.log" "$BASE/logs/stdout.log.1"

  local -a opts=()
  mapfile -t opts < <(jvm_opts)
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  (
    cd "$BASE"
    exec 8>&- 9>&- # the JVM must not inherit the locks
    exec "${launcher[@]}" "$JAVA_BIN" "${opts[@]}" -cp "$LIB_DIR/*" "$MAIN_CLASS" \
      </dev/null >"$BASE/logs/stdout.log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  printf 'pid=%s\nport=%s\nstorage_port=%s\njmx_port=%s\nbase=%s\nversion=%s\n' "$pid" "$PORT" "$sp" "${CASSANDRA_JMX_PORT:-}" "$BASE" "$VERSION" >"$RUN_DIR/$PORT.node"
  { exec 9>&-; } 2>/dev/null || true
  log "started Cassandra $VERSION (pid $pid, java $JAVA_MAJOR, CQL 127.0.0.1:$PORT, storage $sp, data $BASE); waiting up to ${TIMEOUT}s ..."
  wait_ready "$pid" 1 || exit 1
  log "ready on 127.0.0.1:$PORT (pid $pid) in $(secs_since "$t0")s"
  driver_check
}

stop_pid() { # $1 = pid, $2 = 0: don't keep a class-data archive dumped at exit (node never got ready)
  local pid="$1" timeout="${CASSANDRA_STOP_TIMEOUT:-60}" t0 i
  t0="$(now_ms)"
  local port
  port="$(pid_port "$pid")"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "stopped pid $pid in $(secs_since "$t0")s"
      if [[ "${2:-1}" == 1 ]]; then promote_cds "$port"; else rm -f "$INSTALL_DIR"/cds-java*.jsa.tmp-"$port"; fi
      return 0
    fi
    sleep 0.1
  done
  log "pid $pid still alive ${timeout}s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then rm -f "$INSTALL_DIR"/cds-java*.jsa.tmp-"$port"; return 0; fi
    sleep 0.1
  done
  die "pid $pid did not die after SIGKILL"
}

promote_cds() { # $1 = port of the node that just exited cleanly
  local tmp
  [[ -n "$1" ]] || return 0
  for tmp in "$INSTALL_DIR"/cds-java*.jsa.tmp-"$1"; do
    [[ -f "$tmp" ]] || continue
    if [[ -s "$tmp" && ! -e "${tmp%.tmp-*}" ]]; then mv -f "$tmp" "${tmp%.tmp-*}"; log "saved class-data archive ${tmp%.tmp-*}"; else rm -f "$tmp"; fi
  done
}

cmd_stop() {
  local pid
  if ((ALL)); then
    local any=0
    for pid in $(our_pids); do any=1; stop_pid "$pid"; done
    ((any)) || log "no node started by this script is running"
    rm -f "$RUN_DIR"/*.node
    return 0
  fi
  pid="$(node_pid)"
  if [[ -z "$pid" ]]; then
    log "not running (port $PORT, data $BASE)"
  else
    stop_pid "$pid"
  fi
  rm -f "$PID_FILE" "$RUN_DIR/$PORT.node"
}

cmd_kill() {
  local pid
  pid="$(node_pid)"
  if [[ -z "$pid" ]]; then
    log "not running (port $PORT, data $BASE)"
  else
    kill -KILL "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    rm -f "$INSTALL_DIR"/cds-java*.jsa.tmp-"$PORT"
    log "killed pid $pid (SIGKILL)"
  fi
  rm -f "$PID_FILE" "$RUN_DIR/$PORT.node"
}

cmd_status() {
  local pid
  pid="$(node_pid)"
  if [[ -z "$pid" ]] && ((DATA_SET && !PORT_SET)); then log "no node running on data dir $BASE"; return 1; fi
  if cql_ping "$PORT"; then
    log "running${pid:+ (pid $pid)}, CQL answering on 127.0.0.1:$PORT${pid:+, data $BASE}"
    return 0
  fi
  if [[ -n "$pid" ]]; then log "process $pid alive but CQL not answering on 127.0.0.1:$PORT (starting?)"; return 3; fi
  log "not running on 127.0.0.1:$PORT"
  return 1
}

cmd_reset() {
  cmd_stop
  case "$BASE" in "" | / | "$REPO_ROOT" | "$HOME") die "refusing to delete $BASE" ;; esac
  rm -rf "$BASE/data" "$BASE/logs" "$BASE/tmp" "$BASE/conf" "$BASE/storage_port"
  log "deleted data of $BASE"
}

cmd_nodetool() {
  local jmx
  jmx="$(sed -n 's/^jmx_port=//p' "$RUN_DIR/$PORT.node" 2>/dev/null || true)"
  [[ -n "$jmx" ]] || die "the node on port $PORT was not started with CASSANDRA_JMX_PORT=<port>; nodetool needs JMX"
  installed || die "not installed; run: $0 install"
  find_java
  local -a opts=()
  mapfile -t opts < <(jpms_opts)
  exec "$JAVA_BIN" -Xmx256m "${opts[@]}" -Dcassandra.logdir="$BASE/logs" -Dlogback.configurationFile="$BASE/conf/logback-tools.xml" \
    -cp "$LIB_DIR/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$jmx" "${CQL_ARGS[@]}"
}

cmd_cql() {
  driver_available || die "cql needs node and $REPO_ROOT/node_modules/cassandra-driver (npm ci)"
  ((${#CQL_ARGS[@]})) || die "usage: $0 cql [--port P] 'STATEMENT' ..."
  exec node "$TOOL_DIR/cql.js" --port "$PORT" "${CQL_ARGS[@]}"
}

main() {
  local cmd="${1:-}"
  (($#)) && shift
  case "$cmd" in
    install) cmd_install ;;
    start) parse_args start "$@"; cmd_start ;;
    stop) parse_args stop "$@"; cmd_stop ;;
    kill) parse_args kill "$@"; cmd_kill ;;
    status) parse_args status "$@"; cmd_status ;;
    reset) parse_args reset "$@"; cmd_reset ;;
    cql) parse_args cql "$@"; cmd_cql ;;
    nodetool) parse_args nodetool "$@"; cmd_nodetool ;;
    logs) parse_args logs "$@"; echo "$BASE/logs/system.log" ;;
    -h | --help | help | "") usage ;;
    *) usage >&2; die "unknown command: $cmd" ;;
  esac
}
main "$@"
