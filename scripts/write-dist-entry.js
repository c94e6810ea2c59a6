// tsc keeps the src/ and migrations/ folders under dist/, so the entry is dist/src/main.js.
// The contract names `node dist/main.js`; this one-line shim makes that path work too.
require('node:fs').writeFileSync(`${__dirname}/../dist/main.js`, "require('./src/main.js');\n");
