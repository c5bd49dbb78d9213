// Reads every table file of a custody bundle with hyparquet, a Parquet
// reader written in JavaScript from the specification, independently of
// arrow-go, and literal where older arrow-go defaults were not: it counts a
// REPEATED root schema node as a level of repetition and misreads every
// column. For each file it checks against manifest.json
// the row count, that the root node is not REPEATED, and, column by column,
// that the values it decodes are those arrow-go decodes: the digests that
// `go run ./scripts/tabledigest BUNDLE` printed.
//
//   node check.mjs BUNDLE_DIR DIGESTS_JSON
//
// Exit status: 0 when hyparquet reads every file and agrees, 1 when it does
// not, 2 on usage errors.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parquetMetadata, parquetRead } from "hyparquet";
import { compressors } from "hyparquet-compressors";

if (process.argv.length !== 4) {
  console.error("usage: node check.mjs BUNDLE_DIR DIGESTS_JSON");
  process.exit(2);
}
const bundle = path.resolve(process.argv[2]);
const manifest = JSON.parse(readFileSync(path.join(bundle, "manifest.json"), "utf8"));
const digests = JSON.parse(readFileSync(process.argv[3], "utf8"));

const problems = [];
const problem = (msg) => {
  problems.push(msg);
  console.error(`MISMATCH ${msg}`);
};

// Values as they are stored: strings as their bytes, timestamps as their
// count of microseconds, not as JavaScript strings and Dates.
const parsers = {
  stringFromBytes: (b) => b,
  timestampFromMicroseconds: (v) => v,
  timestampFromMilliseconds: (v) => v,
  timestampFromNanoseconds: (v) => v,
};

// line is the canonical form tabledigest writes for one value of a column
// whose Parquet physical type is type.
const f64 = new DataView(new ArrayBuffer(8));
function line(v, type) {
  if (v === null || v === undefined) return "n";
  if (v instanceof Uint8Array) return "s" + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  if (typeof v === "boolean") return v ? "b1" : "b0";
  if (type === "DOUBLE" || type === "FLOAT") {
    if (Number.isNaN(v)) return "fnan";
    f64.setFloat64(0, v);
    return "f" + f64.getBigUint64(0).toString(16);
  }
  if (typeof v === "bigint" || typeof v === "number") return "i" + v.toString();
  throw new Error(`no canonical form for ${typeof v} ${v}`);
}

let files = 0;
let values = 0;
for (const f of manifest.files.filter((f) => f.table)) {
  let file, metadata;
  try {
    const buf = readFileSync(path.join(bundle, f.path));
    file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    metadata = parquetMetadata(file);
  } catch (err) {
    problem(`${f.path}: hyparquet cannot read its footer: ${err.message}`);
    continue;
  }
  const [root, ...leaves] = metadata.schema;
  // The root has no repetition in the specification; arrow-go's old
  // default wrote it REPEATED.
  if (root.repetition_type !== undefined && root.repetition_type !== "REQUIRED") {
    problem(`${f.path}: root schema node is ${root.repetition_type}, want none or REQUIRED`);
  }
  if (Number(metadata.num_rows) !== f.rows) problem(`${f.path}: hyparquet reads ${metadata.num_rows} rows, manifest says ${f.rows}`);
  const want = digests[f.path];
  if (!want) {
    problem(`${f.path}: no digests from arrow-go`);
    continue;
  }
  // Column chunks as hyparquet decodes them, put in row order per column.
  const chunks = new Map();
  try {
    await parquetRead({
      file,
      metadata,
      compressors,
      parsers,
      onChunk: ({ columnName, columnData, rowStart }) => {
        if (!chunks.has(columnName)) chunks.set(columnName, []);
        chunks.get(columnName).push({ rowStart, columnData });
      },
    });
  } catch (err) {
    problem(`${f.path}: hyparquet cannot decode it: ${err.message}`);
    continue;
  }
  const seen = new Set();
  for (const leaf of leaves) {
    seen.add(leaf.name);
    const parts = (chunks.get(leaf.name) ?? []).sort((a, b) => a.rowStart - b.rowStart);
    const h = createHash("sha256");
    let n = 0;
    for (const { columnData } of parts) {
      for (const v of columnData) h.update(line(v, leaf.type) + "\n");
      n += columnData.length;
    }
    if (n !== f.rows) problem(`${f.path} ${leaf.name}: ${n} values, want ${f.rows}`);
    values += n;
    if (h.digest("hex") !== want.columns[leaf.name]) problem(`${f.path} ${leaf.name}: hyparquet's values differ from arrow-go's`);
  }
  for (const name of Object.keys(want.columns)) {
    if (!seen.has(name)) problem(`${f.path}: arrow-go reads a column ${name} that hyparquet does not see`);
  }
  files++;
}
if (files === 0) problem("no table file in the manifest: nothing was read");

if (problems.length > 0) {
  console.error(`\nhyparquet disagrees: ${problems.length} problems`);
  process.exit(1);
}
console.log(`OK: hyparquet read ${files} table files (${values} values), no root REPEATED, rows as listed, every column's values as arrow-go reads them`);
