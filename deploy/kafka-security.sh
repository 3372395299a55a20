#!/usr/bin/env bash
# One-shot set-up of the closed bus in docker-compose (apache/kafka image): refuses a missing or placeholder
# password, creates one SCRAM-SHA-256 user per principal, the ACLs of deploy/kafka-acls.txt (generated from the
# platform's KafkaAccess) and, for each external trigger system in TRIGGER_BINDINGS, its per-tenant trigger topics
# and write ACLs. Connects as the super user on the broker's internal SASL/PLAIN listener.
#   TRIGGER_BINDINGS="acme-dam=acme,acme-eu;other-dam=globex"   passwords: KAFKA_TRIGGER_<SYSTEM>_PASSWORD
set -euo pipefail
bootstrap="$1"; acls="$2"
bin=/opt/kafka/bin

secret() { # name value
  case "${2:-}" in
    '') echo "kafka-security: $1 is not set (see .env.example)" >&2; exit 1 ;;
    *change-me*|*changeme*|'<'*'>') echo "kafka-security: $1 is still the .env.example placeholder" >&2; exit 1 ;;
  esac
}
secret KAFKA_ADMIN_PASSWORD "${KAFKA_ADMIN_PASSWORD:-}"

cfg=$(mktemp); chmod 600 "$cfg"; trap 'rm -f "$cfg"' EXIT
cat > "$cfg" <<CFG
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
CFG

scram() { # user password
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config "$cfg" --alter \
    --add-config "SCRAM-SHA-256=[iterations=4096,password=$2]" --entity-type users --entity-name "$1" >/dev/null
  echo "kafka-security: SCRAM user $1"
}

for p in admin ingestion retrieval training merging sampling orchestrator cli gateway archiver registry; do
  var="KAFKA_$(echo "$p" | tr 'a-z-' 'A-Z_')_PASSWORD"
  secret "$var" "${!var:-}"
  scram "$p" "${!var}"
done

acl() { # principal resource-type pattern-type name operation
  local kind
  case "$2" in
    topic) kind=(--topic "$4") ;;
    group) kind=(--group "$4") ;;
    transactional_id) kind=(--transactional-id "$4") ;;
    cluster) kind=(--cluster) ;;
  esac
  "$bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$cfg" --add --allow-principal "User:$1" \
    --operation "$5" --resource-pattern-type "$3" "${kind[@]}" >/dev/null
}

while read -r principal type pattern name op; do
  case "$principal" in ''|'#'*) continue ;; esac
  acl "$principal" "$type" "$pattern" "$name" "$op"
done < "$acls"
echo "kafka-security: platform ACLs applied"

IFS=';' read -ra bindings <<< "${TRIGGER_BINDINGS:-}"
for binding in "${bindings[@]}"; do
  [ -n "$binding" ] || continue
  system="${binding%%=*}"; tenants="${binding#*=}"
  var="KAFKA_TRIGGER_$(echo "$system" | tr 'a-z-' 'A-Z_')_PASSWORD"
  secret "$var" "${!var:-}"
  scram "trigger-$system" "${!var}"
  IFS=',' read -ra ts <<< "$tenants"
  for t in "${ts[@]}"; do
    "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$cfg" --create --if-not-exists \
      --topic "ingestion-requested.$t" --partitions 3 --replication-factor "${REPLICATION_FACTOR:-1}" >/dev/null
    acl "trigger-$system" topic literal "ingestion-requested.$t" write
    echo "kafka-security: trigger-$system may trigger for tenant $t"
  done
done
