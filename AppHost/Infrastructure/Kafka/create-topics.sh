#!/usr/bin/env bash
# Creates the application's Kafka topics, idempotently, with the cp-kafka image's own kafka-topics tool.
# Run once per deployment (the AppHost's kafka-topics container, a Kubernetes Job): topics that already exist are left
# as they are. Exits non-zero, saying why, when no broker answers within TOPICS_TIMEOUT_SECONDS.
#   TOPICS_BOOTSTRAP_SERVERS    brokers to ask, host:port,host:port,...
#   TOPICS                      the topics, "name:partitions name:partitions ..."
#   TOPICS_REPLICATION_FACTOR   replicas of every partition (default 3)
#   TOPICS_MIN_INSYNC_REPLICAS  the topics' min.insync.replicas (default 2)
#   TOPICS_TIMEOUT_SECONDS      how long to wait for a broker to answer (default 120)
set -euo pipefail

bootstrap="${TOPICS_BOOTSTRAP_SERVERS:?set TOPICS_BOOTSTRAP_SERVERS to the brokers, host:port,host:port,...}"
topics="${TOPICS:?set TOPICS to the topics, \"name:partitions name:partitions ...\"}"
replication="${TOPICS_REPLICATION_FACTOR:-3}"
min_isr="${TOPICS_MIN_INSYNC_REPLICAS:-2}"
timeout="${TOPICS_TIMEOUT_SECONDS:-120}"

deadline=$((SECONDS + timeout))
until kafka-topics --bootstrap-server "$bootstrap" --list >/dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    echo "create-topics: no broker of $bootstrap answered within $timeout s; check that the brokers run and advertise addresses this container reaches" >&2
    exit 1
  fi
  echo "create-topics: waiting for a broker of $bootstrap to answer"
  sleep 2
done

for spec in $topics; do
  name="${spec%%:*}"
  partitions="${spec##*:}"
  kafka-topics --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor "$replication" --config "min.insync.replicas=$min_isr"
  echo "create-topics: $name ($partitions partitions, replication factor $replication, min.insync.replicas $min_isr)"
done
echo "create-topics: all topics exist"
