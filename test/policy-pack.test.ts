// The assembled pack, run as `pulumi preview --policy-pack policies` runs it: the Pulumi policy runtime
// (ts-node, type-checked) loads policies/ from the repo's node_modules and serves the analyzer over
// gRPC; the test plays the engine. Only this test starts the pack, in a child process.
import { ChildProcess, spawn } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allPolicies } from "../policies/rules";
import { plan, ROOT, stackNames } from "./plan";
import { planResources } from "./policyHarness";

// The engine-side gRPC stubs ship with @pulumi/pulumi; load them and their dependencies from there.
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = pulumiRequire("@grpc/grpc-js");
const services = pulumiRequire("./proto/analyzer_grpc_pb.js");
const pb = pulumiRequire("./proto/analyzer_pb.js");
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb.js");

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const ENFORCEMENT = ["advisory", "mandatory", "disabled", "remediate"];

let pack: ChildProcess;
let client: any;
const call = <T = any>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

beforeAll(async () => {
    pack = spawn(process.execPath, [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."], {
        cwd: path.join(ROOT, "policies"),
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    pack.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        pack.stdout!.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) resolve(Number(m[1]));
        });
        pack.on("exit", (code) => reject(new Error(`policy pack exited with ${code}:\n${stderr}`)));
    });
    client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 180_000);

afterAll(() => {
    client?.close();
    if (pack?.pid && pack.exitCode === null) process.kill(pack.pid);
});

function analyzeRequest(type: string, props: Record<string, unknown>) {
    const req = new pb.AnalyzeRequest();
    req.setType(type);
    req.setName("t");
    req.setUrn(`urn:pulumi:dev::cloister::${type}::t`);
    req.setProperties(Struct.fromJavaScript(props));
    req.setOptions(new pb.AnalyzerResourceOptions());
    return req;
}

const diagnostics = (resp: any) =>
    resp.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: ENFORCEMENT[d.getEnforcementlevel()], message: d.getMessage() }));

const withUnknowns = (v: unknown): unknown =>
    v === "<known after deploy: computed>"
        ? UNKNOWN_STRING
        : Array.isArray(v)
          ? v.map(withUnknowns)
          : v && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withUnknowns(x)]))
            : v;

describe("the cloister pack under the policy runtime", () => {
    it("serves every rule, mandatory by default", async () => {
        const info = await call("getAnalyzerInfo", new Empty());
        expect(info.getName()).toBe("cloister");
        const served = info.getPoliciesList().map((p: any) => [p.getName(), ENFORCEMENT[p.getEnforcementlevel()]]);
        expect(served).toEqual(allPolicies.map((p) => [p.name, "mandatory"]));
    });

    it("refuses an unsafe SandboxTemplate, and a stack's config makes rules advisory or disabled", async () => {
        const template = analyzeRequest("kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate", {
            metadata: { name: "t", namespace: "sandboxes" },
            spec: { podTemplate: { spec: { containers: [{ name: "c", image: "busybox" }] } } },
        });
        const before = diagnostics(await call("analyze", template));
        expect(before.map((d: any) => [d.policy, d.level])).toEqual([
            ["k8s-sandbox-runtime-class", "mandatory"],
            ["k8s-sandbox-pod-hardening", "mandatory"],
        ]);
        expect(before[0].message).toMatch(/Fix: /);

        // What --policy-pack-config '{"k8s-sandbox-runtime-class": "advisory", "k8s-sandbox-pod-hardening": {"enforcementLevel": "disabled"}}' sends.
        const configure = new pb.ConfigureAnalyzerRequest();
        const levels: [string, number][] = [
            ["k8s-sandbox-runtime-class", pb.EnforcementLevel.ADVISORY],
            ["k8s-sandbox-pod-hardening", pb.EnforcementLevel.DISABLED],
        ];
        for (const [name, level] of levels) {
            const c = new pb.PolicyConfig();
            c.setEnforcementlevel(level);
            c.setProperties(Struct.fromJavaScript({}));
            configure.getPolicyconfigMap().set(name, c);
        }
        await call("configure", configure);
        const after = diagnostics(await call("analyze", template));
        expect(after.map((d: any) => [d.policy, d.level])).toEqual([["k8s-sandbox-runtime-class", "advisory"]]);
    });

    it.each(stackNames())("finds nothing to refuse in the plan of stack %s", async (stack) => {
        await call("configure", new pb.ConfigureAnalyzerRequest()); // back to the defaults
        const p = plan(stack);
        const resources = planResources(p);
        const req = new pb.AnalyzeStackRequest();
        req.setResourcesList(
            p.resources.map((r, i) => {
                const res = new pb.AnalyzerResource();
                res.setType(r.type);
                res.setName(r.name);
                res.setUrn(resources[i].urn);
                res.setProperties(Struct.fromJavaScript(withUnknowns(r.inputs)));
                const opts = new pb.AnalyzerResourceOptions();
                opts.setProtect(r.options.protect);
                res.setOptions(opts);
                if (resources[i].parent) res.setParent(resources[i].parent!.urn);
                res.setDependenciesList(resources[i].dependencies.map((d) => d.urn));
                return res;
            }),
        );
        const found = diagnostics(await call("analyzeStack", req));
        for (const r of req.getResourcesList()) {
            const one = analyzeRequest(r.getType(), r.getProperties().toJavaScript());
            one.setUrn(r.getUrn());
            one.setOptions(r.getOptions());
            found.push(...diagnostics(await call("analyze", one)));
        }
        expect(found.filter((d: any) => d.level === "mandatory")).toEqual([]);
    });
});
