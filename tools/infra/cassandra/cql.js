#!/usr/bin/env node
// Runs CQL statements against the local test node with the project's cassandra-driver.
//   node tools/infra/cassandra/cql.js [--port 9042] [--quiet] 'STATEMENT' ...
// Each statement's rows are printed as one JSON object per line (plus "[applied]" for LWTs).
// --quiet prints only the first column of the first row of the last statement.
'use strict';

let cassandra;
try {
  cassandra = require('cassandra-driver');
} catch {
  console.error('cassandra-driver is not installed (run npm ci in the repo root)');
  process.exit(2);
}

const args = process.argv.slice(2);
let port = 9042;
let quiet = false;
const statements = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--quiet') quiet = true;
  else statements.push(args[i]);
}

async function main() {
  const client = new cassandra.Client({
    contactPoints: ['127.0.0.1'],
    localDataCenter: 'datacenter1',
    protocolOptions: { port },
    socketOptions: { connectTimeout: 5000, readTimeout: 30000 },
    pooling: { warmup: false },
  });
  let last;
  try {
    await client.connect();
    for (const q of statements) {
      const rs = await client.execute(q, [], { prepare: false });
      last = rs;
      if (quiet) continue;
      if (rs.rows && rs.rows.length) {
        for (const row of rs.rows) {
          const o = {};
          for (const k of row.keys()) o[k] = row[k] == null ? row[k] : String(row[k]);
          console.log(JSON.stringify(o));
        }
      } else {
        console.log(`ok: ${q.split(/\s+/).slice(0, 4).join(' ')}`);
      }
    }
    if (quiet && last && last.rows && last.rows.length) {
      const row = last.rows[0];
      console.log(String(row[row.keys()[0]]));
    }
  } finally {
    await client.shutdown();
  }
}

main().catch((err) => {
  console.error(err && err.message ? err.message : err);
  process.exit(1);
});
