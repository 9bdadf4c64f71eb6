// The offline plan of every stack in stacks/ passes every mandatory rule of the `cloister` pack: the
// plan's resources become the resources the analyzer would see (props = inputs, opts.protect, parent
// chain) and every rule runs over them. New stacks are picked up as their files appear.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../policies/rules";
import { plan, Plan, ROOT, runPlan, stackNames } from "./plan";
import { planResources, runAll } from "./policyHarness";

const plans = new Map<string, Plan>();
const planOf = (stack: string) => {
    if (!plans.has(stack)) plans.set(stack, plan(stack));
    return plans.get(stack)!;
};

describe.each(stackNames())("stack %s", (stack) => {
    it("passes every mandatory rule", async () => {
        const resources = planResources(planOf(stack));
        const { violations, unknowns } = await runAll(allPolicies, resources);
        const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
        expect(mandatory.map((v) => `${v.policy}: ${v.resource ?? "stack"}: ${v.message}`)).toEqual([]);
        // Values only the cloud knows stop a rule during preview too (the analyzer reports those as advisory).
        if (unknowns.length > 0) console.warn(`${stack}: rules that met preview-unknown values:\n${unknowns.map((u) => `  ${u.policy}: ${u.message}`).join("\n")}`);
    });
});

describe("the plan check is not vacuous", () => {
    it("finds a sandbox namespace whose egress reaches the metadata server", async () => {
        const stack = stackNames().find((s) => planOf(s).resources.some((r) => /:SandboxTemplate$/.test(r.type)));
        expect(stack, "a stack with sandbox templates").toBeDefined();
        const tampered = structuredClone(planOf(stack!));
        const egress = tampered.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && /allow-internet-egress$/.test(r.name));
        expect(egress).toBeDefined();
        const blocks = (egress!.inputs as any).spec.egress[0].to;
        blocks[0].ipBlock.except = blocks[0].ipBlock.except.filter((c: string) => c !== "168.63.129.16/32");
        const template = tampered.resources.find((r) => /:SandboxTemplate$/.test(r.type))!;
        delete (template.inputs as any).spec.podTemplate.spec.runtimeClassName;

        const { violations } = await runAll(allPolicies, planResources(tampered));
        expect(violations.map((v) => v.policy).sort()).toEqual(["k8s-sandbox-namespace-egress", "k8s-sandbox-runtime-class"]);
        expect(violations.find((v) => v.policy === "k8s-sandbox-namespace-egress")!.message).toMatch(/168\.63\.129\.16\/32/);
    });

    it("respects a policy config that disables a rule", async () => {
        const stack = stackNames()[0];
        const tampered = structuredClone(planOf(stack));
        for (const r of tampered.resources.filter((r) => /:SandboxTemplate$/.test(r.type))) {
            (r.inputs as any).spec.podTemplate.spec.automountServiceAccountToken = true;
        }
        const found = await runAll(allPolicies, planResources(tampered));
        const disabled = await runAll(allPolicies, planResources(tampered), { "k8s-sandbox-pod-hardening": { enforcementLevel: "disabled" } });
        expect(found.violations.some((v) => v.policy === "k8s-sandbox-pod-hardening")).toBe(tampered.resources.some((r) => /:SandboxTemplate$/.test(r.type)));
        expect(disabled.violations.some((v) => v.policy === "k8s-sandbox-pod-hardening")).toBe(false);
    });
});

describe("data-protection mode reaches the policy through the components", () => {
    const DATA = /^(gcp:storage\/bucket:Bucket|aws:s3\/bucket(V2)?:Bucket(V2)?|azure-native:storage:StorageAccount|gcp:kms\/cryptoKey:CryptoKey|aws:kms\/key:Key|azure-native:keyvault:Key)$/;
    const stack = stackNames().find((s) => planOf(s).resources.some((r) => DATA.test(r.type)));

    it.skipIf(!stack)("mode destroy: data resources unprotected, and the rule accepts it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-policy-"));
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        const stackFile = (yaml.load(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { config: Record<string, unknown> };
        stackFile.config["cloister:dataProtection"] = "destroy";
        fs.writeFileSync(file, yaml.dump(stackFile));
        const result = runPlan(stack!, ["--json", "--config-file", file]);
        fs.rmSync(dir, { recursive: true });
        expect(result.status, result.stderr).toBe(0);
        const destroyPlan = JSON.parse(result.stdout) as Plan;
        const platform = destroyPlan.resources.find((r) => r.type === "cloister:index:SandboxPlatform")!;
        expect(platform.inputs).toEqual({ dataProtection: "destroy" });
        const dataResources = destroyPlan.resources.filter((r) => DATA.test(r.type));
        expect(dataResources.length).toBeGreaterThan(0);
        expect(dataResources.every((r) => !r.options.protect)).toBe(true);
        const { violations } = await runAll(allPolicies, planResources(destroyPlan));
        expect(violations).toEqual([]);
        // The same unprotected resources in mode retain are refused.
        const { violations: retained } = await runAll(allPolicies, planResources(destroyPlan), { "cloister-data-protected": { dataProtection: "retain" } });
        expect(retained.filter((v) => v.policy === "cloister-data-protected")).toHaveLength(dataResources.length);
    });
});
