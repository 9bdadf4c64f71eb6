// The real thing, offline: the Pulumi engine (built from Go modules) runs the stack program against a
// local kube-apiserver + etcd, with the policy pack enforced. Steps run in order and share one cluster.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxRuntimeClass } from "../../policies/rules/kubernetes";
import { KubeAccess, kubeAccess, kubeGet } from "./kube";

const ROOT = path.resolve(__dirname, "../..");
const FIXTURES = path.resolve(ROOT, "../shared/fixtures");
const ENGINE = path.join(ROOT, "scripts/engine");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-e2e-"));
const clusterDir = path.join(work, "cluster");
const projectDir = path.join(work, "project");
const badProjectDir = path.join(work, "bad-project");
const timings: Record<string, number> = {};
let access: KubeAccess;
let binDir = "";

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
    return spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...options });
}

/** The engine's environment: local backend, no update checks, no plugin downloads. */
function engineEnv(): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: `${binDir}:${process.env.PATH}`,
        PULUMI_HOME: path.join(work, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
}

function pulumi(cwd: string, ...args: string[]): SpawnSyncReturns<string> & { seconds: number } {
    const started = Date.now();
    const result = run("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env: engineEnv() });
    return { ...result, seconds: (Date.now() - started) / 1000 };
}

function expectOk(result: SpawnSyncReturns<string>, what: string) {
    if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

interface StackTemplate {
    name: string;
    image: string;
    isolation: string;
    memory: string;
    warmPoolSize: number;
    egress: string;
}

/** The e2e stack: two pools, two templates with warm pools, CRDs from the fixtures. */
function writeStack(templates: StackTemplate[]) {
    const config = {
        config: {
            "cloister:target": "kubernetes",
            "cloister:name": "e2e",
            "cloister:dataProtection": "destroy",
            "cloister:kubeconfig": path.join(clusterDir, "kubeconfig"),
            "cloister:sandboxPools": [
                { name: "gvisor", isolation: "gvisor", runtimeHandler: "runsc" },
                { name: "kata", isolation: "kata", runtimeHandler: "kata-qemu" },
            ],
            "cloister:storage": { snapshotCrdSource: path.join(FIXTURES, "csi-snapshot-crds") },
            "cloister:controlPlane": {
                crdSource: path.join(FIXTURES, "agent-sandbox/crds"),
                // No kubelet, so nothing becomes ready: only this stack stops waiting.
                awaitReadiness: false,
            },
            "cloister:cluster": { storageProvisioner: "ebs.csi.aws.com", storageParameters: { type: "gp3", encrypted: "true" } },
            "cloister:templates": templates,
        },
    };
    fs.writeFileSync(path.join(projectDir, "config", "Pulumi.e2e.yaml"), JSON.stringify(config, null, 2));
}

const templates: StackTemplate[] = [
    { name: "python", image: "python:3.12-slim", isolation: "gvisor", memory: "2Gi", warmPoolSize: 2, egress: "internet" },
    { name: "vm", image: "python:3.12-slim", isolation: "kata", memory: "4Gi", warmPoolSize: 1, egress: "none" },
];

/** A project that runs the repository's stack program with its own stack-config folder. */
function writeProject() {
    fs.mkdirSync(path.join(projectDir, "config"), { recursive: true });
    const projectFile = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").replace(/^stackConfigDir: .*$/m, "stackConfigDir: config");
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), projectFile);
    for (const entry of ["stacks", "components", "node_modules", "package.json", "tsconfig.json"]) {
        fs.symlinkSync(path.join(ROOT, entry), path.join(projectDir, entry));
    }
}

/** A hand-written program that edits a sandbox onto the host kernel: the pack must refuse it. */
function writeBadProject() {
    fs.mkdirSync(badProjectDir, { recursive: true });
    fs.writeFileSync(path.join(badProjectDir, "Pulumi.yaml"), "name: cloister-bad\nruntime: nodejs\n");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(badProjectDir, "node_modules"));
    fs.writeFileSync(path.join(badProjectDir, "package.json"), JSON.stringify({ name: "cloister-bad", main: "index.js" }));
    fs.writeFileSync(
        path.join(badProjectDir, "index.js"),
        `const k8s = require("@pulumi/kubernetes");
const provider = new k8s.Provider("local", { kubeconfig: ${JSON.stringify(path.join(clusterDir, "kubeconfig"))} });
new k8s.apiextensions.CustomResource("runc-template", {
    apiVersion: "extensions.agents.x-k8s.io/v1beta1",
    kind: "SandboxTemplate",
    metadata: { name: "runc", namespace: "default" },
    spec: { podTemplate: { spec: { containers: [{ name: "sandbox", image: "busybox" }] } } },
}, { provider });
`,
    );
}

beforeAll(() => {
    if (!fs.existsSync(FIXTURES)) throw new Error(`the upstream CRD fixtures are missing: expected ${FIXTURES} (../shared beside the repository)`);
    let started = Date.now();
    const build = run("bash", [path.join(ENGINE, "build.sh")], { cwd: ROOT });
    expectOk(build, "toolchain build");
    binDir = build.stdout.trim().split("\n").pop()!;
    timings["toolchain build (this run; warm when cached)"] = (Date.now() - started) / 1000;

    started = Date.now();
    expectOk(run("bash", [path.join(ENGINE, "cluster.sh"), "start", clusterDir]), "API server start");
    timings["etcd + kube-apiserver start"] = (Date.now() - started) / 1000;
    access = kubeAccess(path.join(clusterDir, "kubeconfig"));

    writeProject();
    writeStack(templates);
    writeBadProject();
    fs.mkdirSync(path.join(work, "state"), { recursive: true });
    expectOk(pulumi(projectDir, "stack", "init", "e2e"), "stack init");
    expectOk(pulumi(badProjectDir, "stack", "init", "bad"), "stack init (bad)");
});

afterAll(() => {
    run("bash", [path.join(ENGINE, "cluster.sh"), "stop", clusterDir]);
    fs.rmSync(work, { recursive: true, force: true });
    const lines = Object.entries(timings).map(([k, v]) => `  ${k}: ${v.toFixed(1)} s`);
    process.stdout.write(`\ne2e wall times:\n${lines.join("\n")}\n`);
});

const apiPath = {
    runtimeClass: (n: string) => `/apis/node.k8s.io/v1/runtimeclasses/${n}`,
    storageClass: (n: string) => `/apis/storage.k8s.io/v1/storageclasses/${n}`,
    snapshotClass: (n: string) => `/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses/${n}`,
    crd: (n: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${n}`,
    namespace: (n: string) => `/api/v1/namespaces/${n}`,
    deployment: (ns: string, n: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${n}`,
    networkPolicy: (ns: string, n: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${n}`,
    template: (ns: string, n: string) => `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${ns}/sandboxtemplates/${n}`,
    warmPool: (ns: string, n: string) => `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${ns}/sandboxwarmpools/${n}`,
};

async function waitUntilGone(objectPath: string, seconds = 90): Promise<boolean> {
    for (let i = 0; i < seconds; i++) {
        if ((await kubeGet(access, objectPath)) === undefined) return true;
        await new Promise((r) => setTimeout(r, 1000));
    }
    return false;
}

const AGENT_SANDBOX_CRDS = [
    "sandboxes.agents.x-k8s.io",
    "sandboxtemplates.extensions.agents.x-k8s.io",
    "sandboxclaims.extensions.agents.x-k8s.io",
    "sandboxwarmpools.extensions.agents.x-k8s.io",
];

describe("pulumi up of the kubernetes target against a real API server", () => {
    it("1. deploys with the policy pack enforced", () => {
        const up = pulumi(projectDir, "up", "--yes", "--skip-preview", "--stack", "e2e", "--policy-pack", path.join(ROOT, "policies"));
        timings["pulumi up"] = up.seconds;
        expectOk(up, "pulumi up");
        expect(up.stdout).not.toMatch(/mandatory/);
    });

    it("2a. installs runtime classes that keep sandboxes on their pools", async () => {
        const gvisor = await kubeGet(access, apiPath.runtimeClass("e2e-gvisor"));
        expect(gvisor.handler).toBe("runsc");
        expect(gvisor.scheduling.nodeSelector).toEqual({ "cloister.dev/pool": "gvisor", "cloister.dev/isolation": "gvisor" });
        expect(gvisor.scheduling.tolerations).toEqual([
            { key: "cloister.dev/isolation", operator: "Equal", value: "gvisor", effect: "NoSchedule" },
        ]);
        expect(gvisor.overhead.podFixed).toEqual({ cpu: "100m", memory: "128Mi" });
        const kata = await kubeGet(access, apiPath.runtimeClass("e2e-kata"));
        expect(kata.handler).toBe("kata-qemu");
    });

    it("2b. installs the storage and snapshot classes (snapshot CRDs from the fixtures)", async () => {
        const sc = await kubeGet(access, apiPath.storageClass("e2e-volumes"));
        expect(sc).toMatchObject({ provisioner: "ebs.csi.aws.com", volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Retain", allowVolumeExpansion: true });
        const vsc = await kubeGet(access, apiPath.snapshotClass("e2e-snapshots"));
        expect(vsc).toMatchObject({ driver: "ebs.csi.aws.com", deletionPolicy: "Retain" });
    });

    it("2c. establishes the agent-sandbox CRDs", async () => {
        for (const name of AGENT_SANDBOX_CRDS) {
            const crd = await kubeGet(access, apiPath.crd(name));
            const established = crd.status.conditions.find((c: any) => c.type === "Established");
            expect(established?.status, name).toBe("True");
        }
    });

    it("2d. runs a hardened controller", async () => {
        const d = await kubeGet(access, apiPath.deployment("agent-sandbox-system", "agent-sandbox-controller"));
        expect(d.spec.replicas).toBe(2);
        const [c] = d.spec.template.spec.containers;
        expect(c.image).toMatch(/^registry\.k8s\.io\/agent-sandbox\/agent-sandbox-controller:v1\.0\.\d+$/);
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
        expect(d.spec.template.spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
        expect(c.args).toContain("--leader-elect=true");
    });

    it("2e. guards the namespaces: Pod Security restricted and metadata-blocking egress", async () => {
        for (const name of ["agent-sandbox-system", "sandboxes"]) {
            const ns = await kubeGet(access, apiPath.namespace(name));
            expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        }
        const deny = await kubeGet(access, apiPath.networkPolicy("sandboxes", "default-deny"));
        expect(deny.spec.policyTypes).toEqual(["Ingress", "Egress"]);
        const egress = await kubeGet(access, apiPath.networkPolicy("sandboxes", "allow-internet-egress"));
        const [v4, v6] = egress.spec.egress[0].to.map((t: any) => t.ipBlock);
        expect(v4.except).toEqual(expect.arrayContaining(["169.254.0.0/16", "168.63.129.16/32", "10.0.0.0/8"]));
        expect(v6.except).toEqual(expect.arrayContaining(["fd00:ec2::254/128", "fd20:ce::254/128"]));
    });

    it("2f. serves the SandboxTemplates and SandboxWarmPools", async () => {
        const python = await kubeGet(access, apiPath.template("sandboxes", "python"));
        const pod = python.spec.podTemplate.spec;
        expect(pod.runtimeClassName).toBe("e2e-gvisor");
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.containers[0].resources.limits.memory).toBe("2Gi");
        expect(python.spec.volumeClaimTemplates[0].spec.storageClassName).toBe("e2e-volumes");
        const vm = await kubeGet(access, apiPath.template("sandboxes", "vm"));
        expect(vm.spec.podTemplate.spec.runtimeClassName).toBe("e2e-kata");
        expect((await kubeGet(access, apiPath.warmPool("sandboxes", "python-warm"))).spec).toMatchObject({ replicas: 2, sandboxTemplateRef: { name: "python" } });
        expect((await kubeGet(access, apiPath.warmPool("sandboxes", "vm-warm"))).spec.replicas).toBe(1);
    });

    it("3. previews no changes on a second run", () => {
        const preview = pulumi(projectDir, "preview", "--expect-no-changes", "--stack", "e2e");
        timings["pulumi preview (no-op)"] = preview.seconds;
        expectOk(preview, "no-op preview");
    });

    it("4. updates a warm pool size and a template's memory in place", async () => {
        writeStack([{ ...templates[0], memory: "3Gi", warmPoolSize: 4 }, templates[1]]);
        const preview = pulumi(projectDir, "preview", "--json", "--stack", "e2e");
        expectOk(preview, "preview of the change");
        const steps: { op: string; urn: string }[] = JSON.parse(preview.stdout).steps;
        const changed = steps.filter((s) => s.op !== "same");
        expect(changed.map((s) => s.op)).not.toEqual(expect.arrayContaining([expect.stringMatching(/replace/)]));
        expect(changed.map((s) => `${s.op} ${s.urn.split("::").pop()}`).sort()).toEqual([
            "update e2e-runtime-template-python",
            "update e2e-runtime-warmpool-python",
        ]);
        expectOk(pulumi(projectDir, "up", "--yes", "--skip-preview", "--stack", "e2e"), "pulumi up of the change");
        expect((await kubeGet(access, apiPath.warmPool("sandboxes", "python-warm"))).spec.replicas).toBe(4);
        const python = await kubeGet(access, apiPath.template("sandboxes", "python"));
        expect(python.spec.podTemplate.spec.containers[0].resources.limits.memory).toBe("3Gi");
    });

    it("5. refuses a hand-edited sandbox on the host kernel at preview, naming the policy", () => {
        const preview = pulumi(badProjectDir, "preview", "--stack", "bad", "--policy-pack", path.join(ROOT, "policies"));
        expect(preview.status).not.toBe(0);
        expect(preview.stdout + preview.stderr).toContain(sandboxRuntimeClass.name);
        expect(preview.stdout + preview.stderr).toMatch(/mandatory/);
    });

    it("6. destroys every object of the platform", async () => {
        const destroy = pulumi(projectDir, "destroy", "--yes", "--skip-preview", "--stack", "e2e");
        timings["pulumi destroy"] = destroy.seconds;
        expectOk(destroy, "pulumi destroy");
        for (const name of AGENT_SANDBOX_CRDS) expect(await kubeGet(access, apiPath.crd(name)), name).toBeUndefined();
        expect(await kubeGet(access, apiPath.crd("volumesnapshotclasses.snapshot.storage.k8s.io"))).toBeUndefined();
        expect(await kubeGet(access, apiPath.runtimeClass("e2e-gvisor"))).toBeUndefined();
        expect(await kubeGet(access, apiPath.runtimeClass("e2e-kata"))).toBeUndefined();
        expect(await kubeGet(access, apiPath.storageClass("e2e-volumes"))).toBeUndefined();
        expect(await kubeGet(access, "/apis/rbac.authorization.k8s.io/v1/clusterroles/e2e-agent-sandbox-controller")).toBeUndefined();
        // Namespaces go once their contents are gone and the namespace finalizer has run.
        for (const name of ["agent-sandbox-system", "sandboxes"]) {
            expect(await waitUntilGone(apiPath.namespace(name)), name).toBe(true);
        }
        const stack = JSON.parse(pulumi(projectDir, "stack", "export", "--stack", "e2e").stdout);
        expect(stack.deployment.resources ?? []).toEqual([]);
    });
});
