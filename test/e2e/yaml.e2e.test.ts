// Cloister from another language, on the real node: a Pulumi YAML program adds this repository's provider
// with `pulumi package add` and declares a `cloister:index:SandboxPlatform`, as a Python, Go, .NET or Java
// program would through its generated SDK. Part of its spec comes from another resource (a dependency the
// provider must await) and its kubeconfig is a secret.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, KubeAccess, kubeAccess, kubeGet } from "../../scripts/node/kube";
import { buildAll, engineEnv, expectOk, nodeDown, nodeUp, ROOT, run } from "../../scripts/node/harness";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-yaml-e2e-"));
const projectDir = path.join(work, "project");
const PROVIDER_DIR = path.join(ROOT, "provider");
const STACK = "yaml";
const CONTROL_NS = "agent-sandbox-system";
const NS = "sandboxes";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270";
const AGENT_SANDBOX_CRDS = [
    "sandboxes.agents.x-k8s.io",
    "sandboxtemplates.extensions.agents.x-k8s.io",
    "sandboxclaims.extensions.agents.x-k8s.io",
    "sandboxwarmpools.extensions.agents.x-k8s.io",
];
const timings: Record<string, string> = {};
let bins = { engineBin: "", nodeBin: "" };
let kubeconfig = "";
let access: KubeAccess;

function pulumi(...args: string[]) {
    const started = Date.now();
    const result = run("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd: projectDir, env: engineEnv(bins, kubeconfig, work, "yaml-e2e") });
    return { ...result, out: `${result.stdout}${result.stderr}`, seconds: (Date.now() - started) / 1000 };
}

/** The program: what the platform e2e deploys from a stack file (the node's pools, CRDs, storage, API server), in YAML. */
function program(spec: Record<string, unknown> = {}) {
    return {
        resources: {
            // The API server's address comes from this object's output: a value with a dependency.
            apiServer: {
                type: "kubernetes:core/v1:ConfigMap",
                properties: { metadata: { name: "cloister-yaml-api-server", namespace: "default" }, data: { cidr: "10.200.0.1/32" } },
            },
            platform: {
                type: "cloister:index:SandboxPlatform",
                properties: {
                    kubeconfig: { "fn::secret": { "fn::readFile": kubeconfig } },
                    spec: {
                        target: "kubernetes",
                        name: STACK,
                        dataProtection: "destroy",
                        sandboxPools: [
                            {
                                name: "gvisor",
                                isolation: "gvisor",
                                runtimeHandler: "runsc",
                                nodeLabels: { "cloister.dev/pool": "gvisor", "cloister.dev/isolation": "gvisor" },
                                taints: [{ key: "cloister.dev/isolation", value: "gvisor", effect: "PreferNoSchedule" }],
                            },
                        ],
                        controlPlane: { crdSource: path.join(bins.nodeBin, "crds/agent-sandbox") },
                        cluster: { storageProvisioner: "rancher.io/local-path", apiServerCidrs: ["${apiServer.data.cidr}"] },
                        // A quantity is a string in the schema; YAML may write a number, as stack files do.
                        sandboxNamespace: { cpuQuota: 8, podQuota: 50 },
                        templates: [
                            {
                                name: "python",
                                image: "registry.k8s.io/agent-sandbox/python-runtime-sandbox:v1.0.3",
                                isolation: "gvisor",
                                cpu: "200m",
                                memory: "256Mi",
                                ephemeralStorage: "512Mi",
                                volumeSizeGb: 0,
                                warmPoolSize: 1,
                                egress: "none",
                            },
                        ],
                        ...spec,
                    },
                },
            },
        },
        outputs: { routerUrl: "${platform.routerUrl}", templateNames: "${platform.templateNames}", sandboxNamespace: "${platform.sandboxNamespace}" },
    };
}

/** Pulumi.yaml with `program`, keeping what `pulumi package add` wrote. */
function writeProgram(body: object) {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = yaml.load(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(file, yaml.dump({ name: project.name, runtime: project.runtime, packages: project.packages, ...body }, { noRefs: true }));
}

beforeAll(() => {
    bins = buildAll();
    let started = Date.now();
    kubeconfig = nodeUp();
    timings["node up → Ready"] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    access = kubeAccess(kubeconfig);
    fs.mkdirSync(projectDir, { recursive: true });
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: cloister-yaml\nruntime: yaml\n");
    expectOk(pulumi("stack", "init", STACK), "stack init");
});

afterAll(() => {
    if (process.env.CLOISTER_E2E_KEEP_NODE !== "1") nodeDown();
    fs.rmSync(work, { recursive: true, force: true });
    process.stdout.write(`\nyaml e2e figures:\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`).join("\n")}\n`);
});

describe("a Pulumi YAML program using the cloister package", () => {
    it("the engine serves the committed package schema", () => {
        const served = JSON.parse(expectOk(pulumi("package", "get-schema", PROVIDER_DIR), "package get-schema"));
        delete served.config; // the CLI adds an empty provider config block
        expect(served).toEqual(JSON.parse(fs.readFileSync(path.join(PROVIDER_DIR, "schema.json"), "utf8")));
    });

    it("pulumi package add records the package in Pulumi.yaml", () => {
        const add = pulumi("package", "add", PROVIDER_DIR);
        timings["pulumi package add"] = `${add.seconds.toFixed(1)} s`;
        expectOk(add, "package add");
        const project = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { packages: Record<string, string> };
        expect(project.packages).toEqual({ cloister: PROVIDER_DIR });
        expect(yaml.load(fs.readFileSync(path.join(projectDir, "sdks/cloister/cloister-0.1.0.yaml"), "utf8"))).toMatchObject({ name: "cloister", version: "0.1.0" });
    });

    it("refuses an invalid spec through the provider: every problem by field, no stack trace, nothing created", () => {
        writeProgram(program({ name: "Bad_Name", templates: [{ ...program().resources.platform.properties.spec.templates[0], warmPoolSize: -1 }] }));
        const preview = pulumi("preview", "--stack", STACK);
        expect(preview.status).not.toBe(0);
        expect(preview.out).toContain('spec.name: "Bad_Name" must be a DNS label');
        expect(preview.out).toContain("spec.templates[0].warmPoolSize: -1 must be a whole number from 0 to 1000");
        expect(preview.out).not.toMatch(/\n\s+at .+:\d+:\d+|\.ts:\d+|unhandled exception|\[object Object\]/);
    });

    it("deploys the platform with pulumi up (preview first): outputs, controller, template and warm pool", async () => {
        writeProgram(program());
        const up = pulumi("up", "--yes", "--stack", STACK);
        timings["pulumi up (preview, then update)"] = `${up.seconds.toFixed(1)} s`;
        expectOk(up, "pulumi up");
        const outputs = JSON.parse(expectOk(pulumi("stack", "output", "--json", "--stack", STACK), "stack output"));
        expect(outputs).toEqual({ routerUrl: `http://sandbox-router-svc.${CONTROL_NS}.svc:8080`, templateNames: ["python"], sandboxNamespace: NS });

        const controller = await kubeGet(access, `/apis/apps/v1/namespaces/${CONTROL_NS}/deployments/agent-sandbox-controller`);
        expect(controller.status.readyReplicas, "ready controller replicas").toBe(2);
        const template = await kubeGet(access, `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxtemplates/python`);
        expect(template.spec.podTemplate.spec.runtimeClassName).toBe(`${STACK}-gvisor`);
        await eventually("warm pool python-warm has a Ready sandbox", async () => {
            const pool = await kubeGet(access, `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxwarmpools/python-warm`);
            return (pool?.status?.readyReplicas ?? 0) >= 1;
        }, 300);
        const quota = await kubeGet(access, `/api/v1/namespaces/${NS}/resourcequotas/sandbox-quota`);
        expect(quota.spec.hard).toMatchObject({ "requests.cpu": "8", pods: "50" });
        // The API server address from the ConfigMap reached the control plane's egress policy.
        const egress = await kubeGet(access, `/apis/networking.k8s.io/v1/namespaces/${CONTROL_NS}/networkpolicies`);
        expect(JSON.stringify(egress.items)).toContain("10.200.0.1/32");
    });

    it("records the platform's dependency on the ConfigMap and keeps the kubeconfig secret", () => {
        const state = JSON.parse(expectOk(pulumi("stack", "export", "--stack", STACK), "stack export"));
        const resources = state.deployment.resources as { urn: string; type: string; dependencies?: string[]; inputs: Record<string, unknown> }[];
        const configMap = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
        const platform = resources.find((r) => r.type === "cloister:index:SandboxPlatform")!;
        expect(platform.dependencies).toContain(configMap.urn);
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.urn.endsWith("::platform-cluster"))!;
        expect((provider.inputs.kubeconfig as Record<string, unknown>)[SIG_KEY]).toBe(SIG_SECRET);
    });

    it("previews no changes on a second run", () => {
        const preview = pulumi("preview", "--expect-no-changes", "--stack", STACK);
        timings["pulumi preview (no changes)"] = `${preview.seconds.toFixed(1)} s`;
        expectOk(preview, "preview --expect-no-changes");
    });

    it("destroys everything it created", async () => {
        const destroy = pulumi("destroy", "--yes", "--stack", STACK);
        timings["pulumi destroy"] = `${destroy.seconds.toFixed(1)} s`;
        expectOk(destroy, "pulumi destroy");
        for (const name of AGENT_SANDBOX_CRDS) expect(await kubeGet(access, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`), name).toBeUndefined();
        expect(await kubeGet(access, `/apis/node.k8s.io/v1/runtimeclasses/${STACK}-gvisor`)).toBeUndefined();
        expect(await kubeGet(access, "/api/v1/namespaces/default/configmaps/cloister-yaml-api-server")).toBeUndefined();
        for (const name of [CONTROL_NS, NS]) {
            await eventually(`namespace ${name} gone`, async () => (await kubeGet(access, `/api/v1/namespaces/${name}`)) === undefined, 180);
        }
        const state = JSON.parse(expectOk(pulumi("stack", "export", "--stack", STACK), "stack export"));
        expect(state.deployment.resources ?? []).toEqual([]);
        expectOk(pulumi("stack", "rm", "--yes", "--stack", STACK), "stack rm");
    });
});
