// The official Inngest SDK sending through Alavida's /e/{eventKey}, as a connector would. Prints what send() returned
// (or the error it threw) as one JSON line. Env: ALAVIDA_URL (with a trailing slash), EVENT_KEY, TAG.
import { Inngest } from "inngest";

const inngest = new Inngest({ id: "alavida-conformance", eventKey: process.env.EVENT_KEY, baseUrl: process.env.ALAVIDA_URL, isDev: false });
const tag = process.env.TAG;
try {
  const one = await inngest.send({ name: `conformance/${tag}.one`, data: { n: 1, nested: { list: [1, "two", null], ok: true }, trace_id: `trace-${tag}` } });
  const batch = await inngest.send([
    { name: `conformance/${tag}.batch`, data: { n: 2 } },
    { name: `conformance/${tag}.batch`, data: { n: 3 }, id: `fixed-${tag}`, user: { external_id: "user-1" }, v: "2026-12-01.1", ts: 1764979200000 },
  ]);
  console.log(JSON.stringify({ one: one.ids, batch: batch.ids }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error) }));
}
