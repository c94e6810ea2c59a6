const v8 = require('v8');
setTimeout(() => {
  const m = process.memoryUsage();
  const mb = (x) => (x / 2 ** 20).toFixed(1);
  const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name}=${mb(s.space_size)}/${mb(s.space_used_size)}`);
  const mods = Object.keys(require.cache).length;
  require('fs').writeFileSync('/tmp/mem.txt', `rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} modules ${mods}\n${spaces.join('\n')}\n`);
}, 6000).unref();
