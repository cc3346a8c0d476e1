import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// The package build: one ESM bundle with the shared pure modules it imports from the dashboard's tree
// (app/rollout, app/normalization, app/mismatches) built in, and their declarations beside it.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
await build({
  entryPoints: [join(root, "src/index.ts")],
  outfile: join(dist, "index.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // Its own dependencies are installed beside it, not copied in.
  external: Object.keys(pkg.dependencies ?? {}),
  logLevel: "warning",
});

const tsc = spawnSync("npx", ["tsc", "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// tsc keeps the sources' extensionless relative imports, which Node's ESM resolution (and TypeScript's
// node16/nodenext) refuse in a package: name the file each one means.
function fixSpecifiers(dir: string) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) fixSpecifiers(path);
    else if (path.endsWith(".d.ts")) {
      const text = readFileSync(path, "utf8").replace(/(from\s+|import\()"(\.{1,2}\/[^"]+)"/g, (whole, lead: string, spec: string) => {
        if (spec.endsWith(".js")) return whole;
        const base = resolve(dirname(path), spec);
        if (existsSync(`${base}.d.ts`)) return `${lead}"${spec}.js"`;
        if (existsSync(join(base, "index.d.ts"))) return `${lead}"${spec}/index.js"`;
        throw new Error(`${path}: cannot resolve ${spec}`);
      });
      writeFileSync(path, text);
    }
  }
}
fixSpecifiers(join(dist, "types"));
