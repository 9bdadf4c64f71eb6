// Customers `import { SandboxPlatform, SandboxRuntime } from "cloister"`: the package's `exports` must
// resolve to built JavaScript with type declarations.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");

describe("the cloister package", () => {
    it("builds to JavaScript and declarations that export every component", () => {
        // Inside the project, so the build resolves the project's dependencies as an installed package would.
        fs.mkdirSync(path.join(ROOT, "node_modules/.cache"), { recursive: true });
        const out = fs.mkdtempSync(path.join(ROOT, "node_modules/.cache/cloister-build-"));
        const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "components/tsconfig.json", "--outDir", out], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(tsc.stderr + tsc.stdout).toBe("");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const entry = path.join(out, path.relative("dist", pkg.exports["."].default));
        const types = path.join(out, path.relative("dist", pkg.exports["."].types));
        expect(fs.existsSync(types)).toBe(true);
        const api = require(entry);
        for (const name of ["SandboxPlatform", "SandboxRuntime", "GcpSandboxCluster", "AwsSandboxCluster", "eksClusterFacts", "prepareSpec", "validatePlatformSpec", "resolveSpec", "existingClusterFacts"]) {
            expect(api[name], name).toBeDefined();
        }
        expect(fs.readFileSync(types, "utf8")).toMatch(/export \* from "\.\/platform"/);
        fs.rmSync(out, { recursive: true });
    });
});
