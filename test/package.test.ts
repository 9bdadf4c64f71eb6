// What a customer who depends on the cloister package gets: built JavaScript and declarations for the
// cloud-neutral entry point and one per cloud, no cloud SDK loaded by the neutral one, declarations a
// strict consumer compiles against, every public class, arg and output documented, the policy pack
// runnable from dist, and dependencies that shipped code really imports.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
let out = "";

beforeAll(() => {
    // Inside the project, so the build resolves the project's dependencies as an installed package would.
    fs.mkdirSync(path.join(ROOT, "node_modules/.cache"), { recursive: true });
    out = fs.mkdtempSync(path.join(ROOT, "node_modules/.cache/cloister-build-"));
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "components/tsconfig.json", "--outDir", out], { cwd: ROOT, encoding: "utf8" });
    expect(tsc.stderr + tsc.stdout).toBe("");
}, 120_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

const built = (exportPath: string, kind: "types" | "default") => path.join(out, path.relative("dist", pkg.exports[exportPath][kind]));

/** Runs `code` in a fresh Node process; returns what it printed. */
function node(code: string): string {
    const run = spawnSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout.trim();
}

describe("the cloister package", () => {
    it("exports the neutral layer from `cloister` and each cloud layer from its own subpath", () => {
        const entries: Record<string, string[]> = {
            ".": ["SandboxPlatform", "SandboxRuntime", "existingClusterFacts", "prepareSpec", "validatePlatformSpec", "resolveSpec", "EXTENSIONS_API", "LABEL_POOL"],
            "./gcp": ["GcpSandboxCluster", "gkeClusterFacts", "validateGcpSpec"],
            "./aws": ["AwsSandboxCluster", "eksClusterFacts", "validateAwsSpec"],
            "./azure": ["AzureSandboxCluster", "aksClusterFacts", "validateAzureSpec"],
        };
        for (const [entry, names] of Object.entries(entries)) {
            expect(fs.existsSync(built(entry, "types")), `${entry} types`).toBe(true);
            const api = require(built(entry, "default"));
            for (const name of names) expect(api[name], `${entry}: ${name}`).toBeDefined();
        }
    });

    it("loads no cloud SDK from `cloister`, and only its own from a cloud subpath", () => {
        const sdks = (entry: string) =>
            JSON.parse(
                node(`require(${JSON.stringify(built(entry, "default"))});
                console.log(JSON.stringify([...new Set(Object.keys(require.cache).map((k) => (/node_modules\\/@pulumi\\/(aws|gcp|azure-native)\\//.exec(k) || [])[1]).filter(Boolean))]))`),
            );
        expect(sdks(".")).toEqual([]);
        expect(sdks("./gcp")).toEqual(["gcp"]);
        expect(sdks("./aws")).toEqual(["aws"]);
        expect(sdks("./azure")).toEqual(["azure-native"]);
    });

    it("ships declarations a strict consumer program compiles against", () => {
        const consumer = path.join(out, "consumer.ts");
        fs.writeFileSync(
            consumer,
            [
                `import { SandboxPlatform, SandboxRuntime, existingClusterFacts, resolveSpec, PlatformSpec } from ${JSON.stringify(built(".", "types").replace(/\.d\.ts$/, ""))};`,
                `import { GcpSandboxCluster } from ${JSON.stringify(built("./gcp", "types").replace(/\.d\.ts$/, ""))};`,
                `const spec: PlatformSpec = { target: "gcp", name: "agents", region: "us-central1", sandboxPools: [{ name: "gv", isolation: "gvisor" }], templates: [] };`,
                `const gke = new GcpSandboxCluster("agents", { spec });`,
                `const platform = new SandboxPlatform("p", { spec });`,
                `export const urls = [gke.kubeconfig, platform.routerUrl];`,
                `export const runtime = (s: PlatformSpec) => new SandboxRuntime("r", { spec: s, facts: existingClusterFacts(resolveSpec(s)) });`,
            ].join("\n"),
        );
        const program = ts.createProgram([consumer], { strict: true, noEmit: true, skipLibCheck: false, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ["node"] });
        const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.startsWith(out));
        expect(errors.map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)).toEqual([]);
    });

    it("documents every public component, its args and its outputs", () => {
        const components: [string, string, string][] = [
            ["components/platform.ts", "SandboxPlatform", "SandboxPlatformArgs"],
            ["components/kubernetes/sandboxRuntime.ts", "SandboxRuntime", "SandboxRuntimeArgs"],
            ["components/gcp/index.ts", "GcpSandboxCluster", "GcpSandboxClusterArgs"],
            ["components/aws/index.ts", "AwsSandboxCluster", "AwsSandboxClusterArgs"],
            ["components/azure/index.ts", "AzureSandboxCluster", "AzureSandboxClusterArgs"],
        ];
        const undocumented: string[] = [];
        for (const [file, cls, args] of components) {
            const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.ES2022, true);
            const documented = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;
            source.forEachChild((node) => {
                if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && [cls, args].includes(node.name?.text ?? "")) {
                    if (!documented(node)) undocumented.push(node.name!.text);
                    for (const member of node.members) {
                        const name = member.name?.getText(source);
                        const isPublic = !ts.getCombinedModifierFlags(member as ts.Declaration) || !(ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Private);
                        if (name && isPublic && (ts.isPropertyDeclaration(member) || ts.isPropertySignature(member)) && !documented(member)) undocumented.push(`${node.name!.text}.${name}`);
                    }
                }
            });
        }
        expect(undocumented).toEqual([]);
    });

    it("ships the policy pack compiled, runnable with `--policy-pack node_modules/cloister/dist/policies`", () => {
        const dir = path.join(out, "policies");
        expect(fs.readFileSync(path.join(ROOT, "policies/PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
        const rules = require(path.join(dir, "rules/index.js"));
        expect(rules.allPolicies.length).toBeGreaterThan(20);
        expect(fs.existsSync(path.join(dir, "index.js"))).toBe(true);
        expect(pkg.files).toEqual(expect.arrayContaining(["dist/policies"]));
        expect(pkg.peerDependencies["@pulumi/policy"]).toBeDefined();
    });

    it("takes @pulumi/pulumi and the providers as peers (cloud SDKs optional), and depends only on what shipped code imports", () => {
        for (const peer of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/gcp", "@pulumi/aws", "@pulumi/azure-native"]) {
            expect(pkg.peerDependencies[peer], peer).toMatch(/^\^/);
            expect(pkg.dependencies[peer], peer).toBeUndefined();
        }
        for (const optional of ["@pulumi/gcp", "@pulumi/aws", "@pulumi/azure-native", "@pulumi/policy"]) expect(pkg.peerDependenciesMeta[optional]).toEqual({ optional: true });
        const shipped = fs.readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
        for (const dep of Object.keys(pkg.dependencies)) expect(shipped, dep).toContain(`require("${dep}")`);
        expect(fs.existsSync(path.join(ROOT, "LICENSE"))).toBe(true);
        // No source maps pointing at sources the package does not ship.
        expect(fs.readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".map"))).toEqual([]);
    });
});
