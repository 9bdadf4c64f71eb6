// The offline plan of every stack in stacks/, run as a user runs it: the documented JSON shape, the
// readable tree, and a clear refusal of bad config.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { ofType, plan, ROOT, runPlan, runPlanWithConfig, stackNames } from "./plan";

describe.each(stackNames())("plan of stack %s", (stack) => {
    const p = plan(stack);

    it("has the documented JSON shape, with parents and dependencies naming planned resources", () => {
        expect(p.stack).toBe(stack);
        const ids = new Set(p.resources.map((r) => `${r.type}::${r.name}`));
        expect(ids.size).toBe(p.resources.length);
        for (const r of p.resources) {
            expect(Object.keys(r).sort()).toEqual(["dependsOn", "inputs", "name", "options", "parent", "type"]);
            expect(typeof r.options.protect).toBe("boolean");
            expect(typeof r.options.retainOnDelete).toBe("boolean");
            if (r.parent !== null) expect(ids).toContain(r.parent);
            for (const dep of r.dependsOn) expect(ids).toContain(dep);
        }
        expect(p.resources.filter((r) => r.parent === null).map((r) => r.type)).toEqual(["cloister:index:SandboxPlatform"]);
    });

    it("installs the control plane, a template per configured template and the namespace guard rails", () => {
        expect(ofType(p, "kubernetes:yaml/v2:ConfigFile").length).toBeGreaterThanOrEqual(4);
        expect(ofType(p, "kubernetes:apps/v1:Deployment").map((r) => (r.inputs as any).metadata.name).sort()).toEqual(["agent-sandbox-controller", "sandbox-router"]);
        expect(ofType(p, "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate").length).toBeGreaterThan(0);
        expect(ofType(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => (r.inputs as any).metadata.name)).toEqual(
            expect.arrayContaining(["default-deny", "allow-dns", "allow-internet-egress"]),
        );
    });

    it("never prints a secret", () => {
        const kubeconfigs = p.resources.filter((r) => r.type === "pulumi:providers:kubernetes").map((r) => r.inputs.kubeconfig);
        for (const k of kubeconfigs) if (k !== undefined) expect(k).toBe("[secret]");
    });
});

describe("Pulumi.yaml", () => {
    it("names the stack program file, so the package's library entry point is never run as the program", () => {
        const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { main: string; stackConfigDir: string };
        expect(project.main).toBe("stacks/index.ts");
        expect(fs.existsSync(path.join(ROOT, project.main))).toBe(true);
        expect(project.stackConfigDir).toBe("stacks");
    });
});

describe("plan command", () => {
    it("prints a readable tree without --json", () => {
        const result = runPlan("local", []);
        expect(result.status).toBe(0);
        expect(result.stdout).toMatch(/^stack local: \d+ resources/);
        expect(result.stdout).toMatch(/\n {4}cloister:index:SandboxRuntime {2}local-runtime\n/);
    });

    it("exits non-zero with every validation problem on stderr for invalid config", () => {
        const result = runPlanWithConfig("bad", [
            "cloister:target: kubernetes",
            "cloister:name: Bad_Name",
            "cloister:sandboxPools: [{name: gv, isolation: gvisor, minNodes: 4, maxNodes: 1}]",
            "cloister:templates: [{name: vm, image: busybox, isolation: kata}]",
        ]);
        expect(result.status).not.toBe(0);
        expect(result.stdout).toBe("");
        expect(result.stderr).toMatch(/name: "Bad_Name" must be a DNS label/);
        expect(result.stderr).toMatch(/sandboxPools\[0\]\.minNodes: minNodes \(4\) must not exceed maxNodes \(1\)/);
        expect(result.stderr).toMatch(/templates\[0\]\.isolation: no sandbox pool provides "kata"/);
        expect(result.stderr).toMatch(/cluster\.storageProvisioner/);
    });

    it("refuses misspelled stack keys and nested keys before anything is planned, naming the nearest", () => {
        const result = runPlanWithConfig("typo", [
            "cloister:target: kubernetes",
            "cloister:name: typo",
            "cloister:templtes: []",
            "cloister:kubeConfig: ~/.kube/config",
        ]);
        expect(result.status).not.toBe(0);
        expect(result.stdout).toBe("");
        expect(result.stderr).toMatch(/cloister:templtes: unknown setting; did you mean cloister:templates\?/);
        expect(result.stderr).toMatch(/cloister:kubeConfig: unknown setting; did you mean cloister:kubeconfig\?/);
        const nested = runPlanWithConfig("nested", [
            "cloister:target: kubernetes",
            "cloister:name: nested",
            "cloister:cluster: {storageProvisioner: x.csi.example.com}",
            "cloister:sandboxPools: [{name: gv, isolation: gvisor}]",
            "cloister:templates: [{name: py, image: img, isolation: gvisor, warmPoolsize: 2}]",
        ]);
        expect(nested.status).not.toBe(0);
        // Stack errors name the config key, nested paths included.
        expect(nested.stderr).toMatch(/cloister:templates\[0\]\.warmPoolsize: unknown setting; did you mean cloister:templates\[0\]\.warmPoolSize\?/);
    });
});
