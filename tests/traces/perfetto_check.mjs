// perfetto_check.mjs - lgsim trace export as Perfetto's own trace processor imports it.
//
// usage: node perfetto_check.mjs LGSIM WORKDIR
//
// LGSIM_TRACE_PROCESSOR names a folder with the Perfetto UI's wasm engine, engine_bundle.js and
// trace_processor.wasm, as Perfetto v20's UI builds them; unset, the test is skipped (exit 77).
// The engine runs here in node, fed through its RPC pipe (TraceProcessorRpc, protos/perfetto/
// trace_processor/trace_processor.proto) as the UI feeds it, the file's display hint
// "displayTimeUnit" left out (v20 took it as the unit of ts).  The teaching guest's whole export
// and one round trip's (--rt=N) are loaded; SQL on the imported tables must find nothing
// refused (no error or data-loss stat), the four lanes by name, every slice and instant of the
// file on its lane with its name, start and duration to the nanosecond, the host's steps, and
// every flow link between the slices the file's flow points lie in.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const SKIP = 77;
const [lgsim, work] = process.argv.slice(2).map((p) => path.resolve(p));
const engineDir = process.env.LGSIM_TRACE_PROCESSOR;

function fail(what) {
  console.log('FAIL: ' + what);
  process.exit(1);
}

function check(cond, what) {
  if (!cond) fail(what);
  console.log('ok: ' + what);
}

// --- protobuf, the little the RPC pipe needs ---

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

const varintField = (num, v) => [...varint(num << 3), ...varint(v)];
const bytesField = (num, b) => [...varint((num << 3) | 2), ...varint(b.length), ...b];

// The fields of one message: [number, wire type, value (BigInt or bytes)].
function fields(buf) {
  const out = [];
  let p = 0;
  const read = () => {
    let r = 0n, s = 0n, b;
    do { b = buf[p++]; r |= BigInt(b & 0x7f) << s; s += 7n; } while (b & 0x80);
    return r;
  };
  while (p < buf.length) {
    const tag = Number(read()), num = tag >> 3, wt = tag & 7;
    if (wt === 0) out.push([num, wt, read()]);
    else if (wt === 2) { const n = Number(read()); out.push([num, wt, buf.subarray(p, p + n)]); p += n; }
    else if (wt === 1 || wt === 5) { const n = wt === 1 ? 8 : 4; out.push([num, wt, buf.subarray(p, p + n)]); p += n; }
    else throw new Error('protobuf wire type ' + wt);
  }
  return out;
}

function packed(num, wt, v) {
  if (wt !== 2) return [v];
  const out = [];
  let p = 0;
  while (p < v.length) {
    let r = 0n, s = 0n, b;
    do { b = v[p++]; r |= BigInt(b & 0x7f) << s; s += 7n; } while (b & 0x80);
    out.push(r);
  }
  return out;
}

// --- the engine ---

const TPM_APPEND = 1, TPM_FINALIZE = 2, TPM_QUERY = 3;
const text = new TextDecoder();

// Perfetto's engine bundle, run as the UI's worker would be: it replies through the port.
async function startEngine(dir) {
  let src = fs.readFileSync(path.join(dir, 'engine_bundle.js'), 'utf8');
  const hook = 'const wasmBridge = new wasm_bridge.WasmBridge();';
  if (!src.includes(hook) || !fs.existsSync(path.join(dir, 'trace_processor.wasm')))
    fail(dir + ': not a Perfetto v20 UI engine (engine_bundle.js with WasmBridge, trace_processor.wasm)');
  src = src.replace(hook, hook + ' globalThis.lgsimBridge = wasmBridge;');
  globalThis.self = {};
  process.chdir(dir); // the bundle finds trace_processor.wasm by its bare name
  new Function('require', '__dirname', src)(createRequire(path.join(dir, 'engine_bundle.js')), dir);
  let replies = [];
  const port = { postMessage: (data) => replies.push(Buffer.from(data)) };
  self.onmessage({ data: { enginePort: port } });
  await globalThis.lgsimBridge.whenInitialized;
  let seq = 0;
  return (method, argField, arg) => {
    let msg = [...varintField(1, seq++), ...varintField(2, method)];
    if (argField) msg = msg.concat(bytesField(argField, arg));
    replies = [];
    port.onmessage({ data: Uint8Array.from(bytesField(1, msg)) });
    return fields(Buffer.concat(replies)).map(([, , m]) => fields(m));
  };
}

function fatal(replies) {
  for (const msg of replies) for (const [num, , v] of msg) if (num === 5) fail('engine: ' + text.decode(v));
}

// Without "displayTimeUnit", which the file has for chrome://tracing: ts and dur are
// microseconds, as the format and Perfetto since 2022 read them, but v20 took "ns" there as
// their unit.
function asPerfettoReadsIt(file) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (doc.displayTimeUnit !== 'ns') fail(file + ': displayTimeUnit is not "ns"');
  delete doc.displayTimeUnit;
  return Buffer.from(JSON.stringify(doc));
}

function load(rpc, file) {
  const data = asPerfettoReadsIt(file), chunk = 16 << 20;
  for (let off = 0; off < data.length; off += chunk) {
    const replies = rpc(TPM_APPEND, 101, data.subarray(off, off + chunk));
    fatal(replies);
    for (const msg of replies)
      for (const [num, , v] of msg)
        if (num === 201) for (const [n, , e] of fields(v)) if (n === 2) fail(file + ': ' + text.decode(e));
  }
  fatal(rpc(TPM_FINALIZE));
}

// The cells of one batch, in row order.
function cells(batch) {
  let types = [], ints = [], reals = [], strings = [];
  for (const [num, wt, v] of fields(batch)) {
    if (num === 1) types = types.concat(packed(num, wt, v).map(Number));
    else if (num === 2) ints = ints.concat(packed(num, wt, v));
    else if (num === 3) for (let i = 0; i < v.length; i += 8) reals.push(Buffer.from(v).readDoubleLE(i));
    else if (num === 5) strings = strings.concat(text.decode(v).split('\0').slice(0, -1));
  }
  const at = { 2: 0, 3: 0, 4: 0 };
  return types.map((t) => (t === 2 ? Number(ints[at[2]++]) : t === 3 ? reals[at[3]++]
                           : t === 4 ? strings[at[4]++] : null));
}

function query(rpc, sql) {
  const cols = [], all = [];
  const replies = rpc(TPM_QUERY, 103, bytesField(1, new TextEncoder().encode(sql)));
  fatal(replies);
  for (const msg of replies)
    for (const [num, , v] of msg) {
      if (num !== 203) continue;
      for (const [n, , w] of fields(v)) {
        if (n === 1) cols.push(text.decode(w));
        else if (n === 2) fail(sql + ': ' + text.decode(w));
        else if (n === 3) all.push(...cells(w));
      }
    }
  const rows = [];
  for (let i = 0; i < all.length; i += cols.length)
    rows.push(Object.fromEntries(cols.map((c, j) => [c, all[i + j]])));
  return rows;
}

// --- what the file says, in the trace processor's terms (nanoseconds) ---

const ns = (us) => Math.round(us * 1000);
const key = (tid, ts, dur, name) => `${tid} ${ts} ${dur} ${name}`;

function exported(file) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const ev = doc.traceEvents;
  const lanes = {};
  for (const e of ev) if (e.ph === 'M' && e.name === 'thread_name') lanes[e.tid] = e.args.name;
  const slices = ev.filter((e) => e.ph === 'X' || e.ph === 'i');
  const flows = {};
  for (const e of ev) if ('stf'.includes(e.ph) && e.ph.length === 1) (flows[e.id] ||= []).push(e);
  return { ev, lanes, slices, flows };
}

// The complete event of lane tid around ts (the one a viewer binds a flow point to).
function around(slices, tid, ts) {
  const x = slices.find((e) => e.ph === 'X' && e.tid === tid && ns(e.ts) <= ns(ts) &&
                               ns(ts) <= ns(e.ts) + ns(e.dur));
  return x ? key(x.tid, ns(x.ts), ns(x.dur), x.name) : `${tid} ${ns(ts)} (no slice)`;
}

function expectedLinks(file) {
  const links = [];
  for (const steps of Object.values(file.flows))
    for (let i = 1; i < steps.length; i++)
      links.push(around(file.slices, steps[i - 1].tid, steps[i - 1].ts) + ' -> ' +
                 around(file.slices, steps[i].tid, steps[i].ts));
  return links.sort();
}

const SLICES = 'select th.tid as tid, s.ts as ts, s.dur as dur, s.name as name, s.id as id ' +
               'from slice s join thread_track t on s.track_id = t.id join thread th using(utid)';

function firstDifference(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) return `file: ${a[i]}, trace processor: ${b[i]}`;
  return '';
}

// --- the checks on one export ---

function checkImport(rpc, file, label) {
  const bad = query(rpc, "select name, idx, severity, value from stats where value > 0 and " +
                         "severity in ('error', 'data_loss')");
  check(bad.length === 0, `${label}: imported with no error or data-loss stat ${JSON.stringify(bad)}`);
  const threads = query(rpc, "select th.tid as tid, th.name as name, p.name as process from thread th " +
                             "join process p using(upid) where th.tid between 1 and 4 order by th.tid");
  check(threads.length === 4 && threads.every((t) => t.process === 'lgsim' && t.name === file.lanes[t.tid]),
        `${label}: the four lanes of process lgsim, by name: ${threads.map((t) => t.name).join(' | ')}`);
  const rows = query(rpc, SLICES);
  const got = rows.map((r) => key(r.tid, r.ts, r.dur, r.name)).sort();
  const want = file.slices.map((e) => key(e.tid, ns(e.ts), ns(e.dur || 0), e.name)).sort();
  const perLane = (list) => [1, 2, 3, 4].map((l) => list.filter((k) => k.startsWith(l + ' ')).length);
  check(got.join('\n') === want.join('\n'),
        `${label}: every slice and instant on its lane, named, to the nanosecond (per lane ` +
        `${perLane(got).join('/')}) ${firstDifference(want, got)}`);
  return rows;
}

function checkHost(rows, label) {
  const host = rows.filter((r) => r.tid === 1);
  const handles = host.filter((r) => r.name.startsWith('host handles ') && r.dur === 0);
  check(handles.length > 0 && host.every((r) => r.dur === 0 || r.name === 'idle (guest halted)'),
        `${label}: ${handles.length} host steps, instants; the host's only spans are idle time`);
}

function checkFlows(rpc, file, rows, label) {
  const byId = new Map(rows.map((r) => [r.id, key(r.tid, r.ts, r.dur, r.name)]));
  const got = query(rpc, 'select slice_out, slice_in from flow')
    .map((f) => byId.get(f.slice_out) + ' -> ' + byId.get(f.slice_in)).sort();
  const want = expectedLinks(file);
  check(want.length > 0 && got.join('\n') === want.join('\n'),
        `${label}: ${Object.keys(file.flows).length} flows, ${got.length} links, each between ` +
        `the slices its points lie in ${firstDifference(want, got)}`);
}

async function main() {
  if (!engineDir) {
    console.log("SKIPPED: set LGSIM_TRACE_PROCESSOR to a folder with the Perfetto UI's " +
                'engine_bundle.js and trace_processor.wasm (v20)');
    process.exit(SKIP);
  }
  fs.mkdirSync(work, { recursive: true });
  const trc = path.join(work, 'teach.trc'), whole = path.join(work, 'teach.json');
  execFileSync(lgsim, ['--trace=' + trc], { stdio: 'ignore' });
  execFileSync(lgsim, ['trace', 'export', '--format=chrome', '-o', whole, trc]);
  const all = exported(whole);
  const rt = all.ev.find((e) => e.name === '#PF reflected').args.rt;
  const one = path.join(work, `rt${rt}.json`);
  execFileSync(lgsim, ['trace', 'export', '--format=chrome', `--rt=${rt}`, '-o', one, trc]);
  for (const [file, label, doc] of [[whole, 'the whole export', all], [one, `--rt=${rt}`, exported(one)]]) {
    const rpc = await startEngine(path.resolve(engineDir)); // one trace per engine, as in the UI
    load(rpc, file);
    const rows = checkImport(rpc, doc, label);
    checkHost(rows, label);
    checkFlows(rpc, doc, rows, label);
  }
}

main();
