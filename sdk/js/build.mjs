// npm run build: type declarations and ES modules with tsc (dist/*.js, dist/*.d.ts, for
// bundlers and Node), and one self-contained ES module for browsers with esbuild
// (dist/groupcast-chat.js: the SDK and @msgpack/msgpack, for a <script type="module">).
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
rmSync(new URL("./dist", import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [new URL("./node_modules/typescript/bin/tsc", import.meta.url).pathname, "-p", "tsconfig.json"], {
  stdio: "inherit",
  cwd: new URL(".", import.meta.url).pathname,
});
await build({
  entryPoints: [new URL("./src/index.ts", import.meta.url).pathname],
  outfile: new URL("./dist/groupcast-chat.js", import.meta.url).pathname,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  platform: "browser",
  legalComments: "inline",
  banner: { js: `// groupcast-chat ${version}: groupcast's browser SDK (Tencent Web SDK v3 names). Built from sdk/js; do not edit.` },
  logLevel: "warning",
});
