// Validates Strimzi and CloudNativePG resources (a JSON array on standard input) with the validators that
// @kubernetes-models generates from those operators' own schemas (Strimzi's CRDs, CloudNativePG's API types):
// types, enums, required fields, patterns. Prints one line per problem; exits 1 when there is any.
// Unknown fields are TypeScript's to find (the test type-checks the same documents against these packages' types).
import { Kafka } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka";
import { KafkaNodePool } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaNodePool";
import { KafkaTopic } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic";
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";
import { Database } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Database";
import { readFileSync } from "node:fs";

const MODELS = {
  "kafka.strimzi.io/v1 Kafka": Kafka,
  "kafka.strimzi.io/v1 KafkaNodePool": KafkaNodePool,
  "kafka.strimzi.io/v1 KafkaTopic": KafkaTopic,
  "postgresql.cnpg.io/v1 Cluster": Cluster,
  "postgresql.cnpg.io/v1 Database": Database,
};

const problems = [];
for (const doc of JSON.parse(readFileSync(0, "utf8"))) {
  const key = `${doc.apiVersion} ${doc.kind}`;
  const name = `${doc.kind}/${doc.metadata?.name}`;
  const Model = MODELS[key];
  if (Model === undefined) {
    problems.push(`${name}: no schema for ${key}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (error) {
    problems.push(`${name}: ${error.message}`);
  }
}
for (const problem of problems) console.log(problem);
process.exit(problems.length ? 1 : 0);
