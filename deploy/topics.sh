#!/usr/bin/env bash
# Creates every topic from the definitions file (name partitions key=value,...) if it does not exist yet.
set -euo pipefail
bootstrap="$1"; defs="$2"; command_config="${3:-}"
while read -r name partitions configs; do
  case "$name" in ''|'#'*) continue ;; esac
  args=(--bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "${REPLICATION_FACTOR:-1}")
  [ -n "$command_config" ] && args+=(--command-config "$command_config")
  IFS=',' read -ra kvs <<< "${configs:-}"
  for kv in "${kvs[@]}"; do [ -n "$kv" ] && args+=(--config "$kv"); done
  /opt/kafka/bin/kafka-topics.sh "${args[@]}"
done < "$defs"
