// re.js under Node for the host tests: re.erl built with -DWASMBLOG_HOST_TEST writes one base64
// request a line to this process and reads one base64 reply a line back.
'use strict';
const path = require('path');
require(path.join(__dirname, '..', 'pytest_wasmblog', 'vm', 'shims', 're.js'));
const lines = require('readline').createInterface({ input: process.stdin });
lines.on('line', (line) => process.stdout.write(globalThis.__wasmblogRe.call(line) + '\n'));
