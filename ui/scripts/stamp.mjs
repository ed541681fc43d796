// Records which sources the committed bundle was built from, so a test can tell a stale bundle:
// sha256 over the sorted relative paths and bytes of index.html, package-lock.json and src/**.
// tests/unit/test_ui_bundle.py recomputes the same digest in Python.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
const files = [join(root, "index.html"), join(root, "package-lock.json"), ...walk(join(root, "src"))]
  .map((p) => relative(root, p).split("\\").join("/"))
  .sort();
const hash = createHash("sha256");
for (const rel of files) {
  hash.update(rel + "\n");
  hash.update(readFileSync(join(root, rel)));
  hash.update("\n");
}
const info = { source_sha256: hash.digest("hex"), files };
writeFileSync(join(root, "../api/static/ui/build-info.json"), JSON.stringify(info, null, 2) + "\n");
console.log(`build-info.json: ${info.source_sha256}`);
