// Runs the graphql-http server audits against a running service and prints the results as JSON.
// Usage: node audit.mjs <url> [api-key]
import { auditServer } from 'graphql-http';

const [url, key] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (key) headers.set('x-api-key', key);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const out = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    try {
      entry.response = await result.response.text();
    } catch {
      entry.response = null;
    }
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
