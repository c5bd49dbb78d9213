// Reads every table of a custody bundle in place with DuckDB, as an auditor
// without custody would, and checks what DuckDB sees against manifest.json:
// rows per table and per (account, region) partition, partition values as
// strings, and blob references. Then runs the queries an auditor starts
// with and prints their results.
//
//   node check.mjs BUNDLE_DIR
//
// Exit status: 0 when DuckDB agrees with the manifest, 1 when it does not,
// 2 on usage errors.

import { readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { DuckDBInstance } from "@duckdb/node-api";

if (process.argv.length !== 3) {
  console.error("usage: node check.mjs BUNDLE_DIR");
  process.exit(2);
}
const bundle = path.resolve(process.argv[2]);
const manifest = JSON.parse(readFileSync(path.join(bundle, "manifest.json"), "utf8"));
// Paths in the queries are the bundle's own relative paths, exactly as an
// auditor types them from inside the bundle.
process.chdir(bundle);

const problems = [];
const problem = (msg) => {
  problems.push(msg);
  console.error(`MISMATCH ${msg}`);
};

// The hive partition values stay strings: account ids may start with a
// zero, which DuckDB's type inference would otherwise drop. An empty value
// is written __HIVE_DEFAULT_PARTITION__, which DuckDB reads as NULL.
const tableSQL = (t) =>
  `read_parquet('tables/${t}/*/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)`;

const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
const rows = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJson();

// Expected rows per table and per partition, from the manifest's files.
const want = new Map();
for (const f of manifest.files) {
  if (!f.table) continue;
  const parts = want.get(f.table) ?? new Map();
  const key = `${f.partition.account}/${f.partition.region}`;
  parts.set(key, (parts.get(key) ?? 0) + f.rows);
  want.set(f.table, parts);
}

let tablesRead = 0;
for (const t of manifest.tables) {
  if (t.files === 0) {
    if (t.rows !== 0) problem(`${t.name}: manifest lists ${t.rows} rows in no files`);
    console.log(`table ${t.name}: no files`);
    continue;
  }
  const got = await rows(
    `SELECT coalesce(account, '') AS account, coalesce(region, '') AS region, count(*)::BIGINT AS n
     FROM ${tableSQL(t.name)} GROUP BY ALL`,
  );
  let total = 0;
  const gotParts = new Map();
  for (const r of got) {
    if (typeof r.account !== "string" || typeof r.region !== "string") {
      problem(`${t.name}: partition column types ${typeof r.account}/${typeof r.region}, want strings`);
    }
    gotParts.set(`${r.account}/${r.region}`, Number(r.n));
    total += Number(r.n);
  }
  if (total !== t.rows) problem(`${t.name}: DuckDB reads ${total} rows, manifest says ${t.rows}`);
  const wantParts = want.get(t.name) ?? new Map();
  for (const k of new Set([...wantParts.keys(), ...gotParts.keys()])) {
    if ((wantParts.get(k) ?? 0) !== (gotParts.get(k) ?? 0)) {
      problem(`${t.name} ${k}: DuckDB reads ${gotParts.get(k) ?? 0} rows, manifest files say ${wantParts.get(k) ?? 0}`);
    }
  }
  tablesRead++;
  console.log(`table ${t.name}: ${total} rows in ${gotParts.size} partitions, as listed`);
}
if (tablesRead === 0) problem("no table has any file: nothing was read");

// Every blob a row refers to is a listed file at its address.
const blobs = new Set(manifest.files.filter((f) => f.raw_sha256).map((f) => f.raw_sha256));
for (const t of manifest.tables.filter((t) => t.files > 0)) {
  const refs = await rows(
    `SELECT DISTINCT evidence_blob_sha256 AS b FROM ${tableSQL(t.name)} WHERE evidence_blob_sha256 IS NOT NULL`,
  );
  const missing = refs.filter((r) => !blobs.has(r.b));
  if (missing.length > 0) problem(`${t.name}: ${missing.length} blob references not in the manifest, first ${missing[0].b}`);
  if (refs.length > 0) console.log(`table ${t.name}: ${refs.length} distinct blobs referenced, all listed`);
}

const has = (name) => manifest.tables.some((t) => t.name === name && t.files > 0);

if (has("cloudtrail_events")) {
  console.log("\nCloudTrail event names per account (top 5 each):");
  const byAccount = await rows(`
    SELECT account, event_name, n FROM (
      SELECT *, row_number() OVER (PARTITION BY account ORDER BY n DESC, event_name) AS k FROM (
        SELECT account, event_name, count(*)::BIGINT AS n
        FROM ${tableSQL("cloudtrail_events")} GROUP BY account, event_name))
    WHERE k <= 5 ORDER BY account, n DESC, event_name`);
  for (const r of byAccount) console.log(`  ${r.account}  ${String(r.n).padStart(6)}  ${r.event_name}`);

  console.log("\nBedrock calls by principal and source IP:");
  const bedrock = await rows(`
    SELECT user_identity_arn, source_ip_address, count(*)::BIGINT AS n,
           count(DISTINCT region)::BIGINT AS regions
    FROM ${tableSQL("cloudtrail_events")}
    WHERE event_source = 'bedrock.amazonaws.com' GROUP BY ALL ORDER BY n DESC, 1, 2 LIMIT 10`);
  for (const r of bedrock) {
    console.log(`  ${String(r.n).padStart(6)}  ${r.regions} regions  ${r.source_ip_address}  ${r.user_identity_arn}`);
  }
}

if (has("invocations")) {
  console.log("\nModel invocations per model and region:");
  const inv = await rows(`
    SELECT model_id, region, count(*)::BIGINT AS n, sum(input_tokens)::BIGINT AS input_tokens
    FROM ${tableSQL("invocations")} GROUP BY ALL ORDER BY n DESC, 1, 2 LIMIT 10`);
  for (const r of inv) console.log(`  ${String(r.n).padStart(6)}  ${r.region}  ${r.model_id}  input tokens ${r.input_tokens ?? 0}`);
}

db.closeSync();
instance.closeSync();

if (problems.length > 0) {
  console.error(`\nDuckDB disagrees with manifest.json: ${problems.length} problems`);
  process.exit(1);
}
console.log(`\nOK: DuckDB read ${tablesRead} tables in place and agrees with manifest.json`);
