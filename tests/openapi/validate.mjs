// Validates recorded daemon responses against proto/openapi.yaml, so the description and the
// daemon cannot drift: every response must be documented for its path, method and status, carry
// a documented content type and required headers, and (JSON) match the schema (JSON Schema
// 2020-12, as OpenAPI 3.1 uses). Every documented operation must have been exercised, unless the
// description says why not (`x-madoguchi-untested`). The description's own examples are
// validated against their schemas too.
//
//   node validate.mjs <openapi.yaml> <recordings folder>
// A recording is a JSON file: {"method","path","status","headers":{lower-case: value},"body"}.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [specFile, recordingsDir] = process.argv.slice(2);
if (!specFile || !recordingsDir) {
  console.error("usage: node validate.mjs <openapi.yaml> <recordings folder>");
  process.exit(2);
}
const spec = YAML.parse(fs.readFileSync(specFile, "utf8"));
const failures = [];
const fail = (what) => failures.push(what);

// Component schemas get an id each; references to them are rewritten to those ids.
const base = "https://madoguchi.invalid/openapi/schemas/";
const rewrite = (node) => {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === "object") {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/"))
        out[k] = base + v.slice("#/components/schemas/".length);
      else out[k] = rewrite(v);
    }
    return out;
  }
  return node;
};
const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false,
                          strictTypes: false, allowUnionTypes: true });
addFormats(ajv);
// OpenAPI's own keywords inside schemas (annotations only).
ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs"]);
for (const [name, schema] of Object.entries(spec.components?.schemas ?? {}))
  ajv.addSchema({ ...rewrite(schema), $id: base + name });

const resolve = (obj) => {
  while (obj && obj.$ref) {
    const parts = obj.$ref.replace(/^#\//, "").split("/");
    obj = parts.reduce((o, p) => o?.[p.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  }
  return obj;
};
const compiled = new Map();
const validatorFor = (schema) => {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewrite(schema)));
  return compiled.get(key);
};
const isJson = (type) => /^application\/([a-z.+-]+\+)?json\b/.test(type) ||
                         /^application\/problem\+json\b/.test(type);
const methods = ["get", "put", "post", "delete", "patch", "head", "options"];

// The documented examples must themselves be valid.
for (const [p, item] of Object.entries(spec.paths ?? {})) {
  for (const m of methods) {
    const op = item[m];
    if (!op) continue;
    const bodies = [];
    for (const [type, media] of Object.entries(resolve(op.requestBody)?.content ?? {}))
      bodies.push([`${m.toUpperCase()} ${p} request ${type}`, media]);
    for (const [status, r] of Object.entries(op.responses ?? {}))
      for (const [type, media] of Object.entries(resolve(r)?.content ?? {}))
        bodies.push([`${m.toUpperCase()} ${p} ${status} ${type}`, media]);
    for (const [where, media] of bodies) {
      if (!media.schema) continue;
      const examples = [];
      if (media.example !== undefined) examples.push(["example", media.example]);
      for (const [n, e] of Object.entries(media.examples ?? {}))
        examples.push([n, resolve(e).value]);
      for (const [n, value] of examples) {
        const v = validatorFor(media.schema);
        if (!v(value)) fail(`${where}: example ${n} does not match its schema: ${ajv.errorsText(v.errors)}`);
      }
    }
  }
}

// Path templates, literal segments preferred over captures ("/v1/checks/batch" over "{id}").
const templates = Object.keys(spec.paths ?? {}).map((t) => ({
  t, segs: t.split("/").filter(Boolean),
}));
// Every template a path matches, the most literal first: the router serves a method on any of
// them ("GET /v1/checks/by-number" is "GET /v1/checks/{id}"), and its 405's Allow names them all.
const matchPaths = (actual) => {
  const segs = actual.split("?")[0].split("/").filter(Boolean);
  const found = [];
  for (const { t, segs: ts } of templates) {
    if (ts.length !== segs.length) continue;
    let score = 0, ok = true;
    for (let i = 0; i < ts.length && ok; i++) {
      if (/^\{.+\}$/.test(ts[i])) continue;
      if (ts[i] === segs[i]) score++; else ok = false;
    }
    if (ok) found.push({ t, score });
  }
  return found.sort((a, b) => b.score - a.score).map((f) => f.t);
};

const exercised = new Set();
const files = fs.readdirSync(recordingsDir).filter((f) => f.endsWith(".json")).sort();
if (files.length === 0) fail(`no recordings in ${recordingsDir}`);
for (const file of files) {
  const rec = JSON.parse(fs.readFileSync(path.join(recordingsDir, file), "utf8"));
  const where = `${file}: ${rec.method} ${rec.path} → ${rec.status}`;
  const candidates = matchPaths(rec.path);
  const method = rec.method.toLowerCase();
  const template = candidates.find((t) => spec.paths[t][method]) ?? candidates[0];
  let response;
  if (!template) {
    if (rec.status !== 404) { fail(`${where}: path is not in the description`); continue; }
    response = resolve(spec.components.responses.NotFound);
  } else if (!spec.paths[template][method]) {
    if (rec.status !== 405) { fail(`${where}: ${rec.method} is not documented for ${template}`); continue; }
    response = resolve(spec.components.responses.MethodNotAllowed);
    // Allow names exactly the methods documented on the templates the path matches.
    const documented = [...new Set(candidates.flatMap(
        (t) => methods.filter((m) => spec.paths[t][m]).map((m) => m.toUpperCase())))];
    const allow = (rec.headers.allow ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    if (allow.sort().join(",") !== documented.sort().join(","))
      fail(`${where}: Allow "${rec.headers.allow}" but the description has ${documented.join(", ")}`);
  } else {
    const op = spec.paths[template][method];
    exercised.add(`${method} ${template}`);
    response = resolve(op.responses?.[String(rec.status)] ?? op.responses?.[`${String(rec.status)[0]}XX`] ??
                       op.responses?.default);
    if (!response) { fail(`${where}: status ${rec.status} is not documented for ${method.toUpperCase()} ${template}`); continue; }
  }
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    if (resolve(h).required && rec.headers[name.toLowerCase()] === undefined)
      fail(`${where}: required header ${name} is missing`);
  }
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) continue;
  const type = rec.headers["content-type"] ?? "";
  const bare = (t) => t.split(";")[0].trim().toLowerCase();
  const key = Object.keys(content).find((k) => k.toLowerCase() === type.toLowerCase()) ??
              Object.keys(content).find((k) => bare(k) === bare(type) && !k.includes(";")) ??
              Object.keys(content).find((k) => bare(k) === bare(type));
  if (!key) { fail(`${where}: content type "${type}" is not documented (${Object.keys(content).join(", ")})`); continue; }
  const schema = content[key].schema;
  if (!schema || !isJson(bare(type))) continue;
  let body;
  try { body = JSON.parse(rec.body); } catch (e) { fail(`${where}: body is not JSON: ${e.message}`); continue; }
  const v = validatorFor(schema);
  if (!v(body)) fail(`${where}: ${ajv.errorsText(v.errors, { separator: "\n    " })}\n    body: ${rec.body.slice(0, 600)}`);
}

// The daemon's own route table (GET /v1/admin/routes), when recorded: every route it serves is
// documented, and every documented operation is served.
for (const file of files) {
  const rec = JSON.parse(fs.readFileSync(path.join(recordingsDir, file), "utf8"));
  if (rec.method !== "GET" || rec.path !== "/v1/admin/routes" || rec.status !== 200) continue;
  const routes = new Set(JSON.parse(rec.body).items.map((r) => `${r.method.toLowerCase()} ${r.path}`));
  const documented = new Set();
  for (const [p, item] of Object.entries(spec.paths ?? {}))
    for (const m of methods) if (item[m]) documented.add(`${m} ${p}`);
  for (const r of routes)
    if (!documented.has(r)) fail(`the daemon serves ${r.toUpperCase()} but the description does not document it`);
  for (const d of documented)
    if (!routes.has(d)) fail(`${d.toUpperCase()} is documented but the daemon does not serve it`);
}

for (const [p, item] of Object.entries(spec.paths ?? {}))
  for (const m of methods)
    if (item[m] && !exercised.has(`${m} ${p}`) && !item[m]["x-madoguchi-untested"])
      fail(`${m.toUpperCase()} ${p} is documented but no response of it was recorded`);

console.log(`${files.length} responses checked against ${path.basename(specFile)}; ` +
            `${exercised.size} operations exercised`);
if (failures.length) {
  console.error(failures.map((f) => "FAIL " + f).join("\n"));
  process.exit(1);
}
