// The platform on a real node, offline: the Pulumi engine (built from Go modules) runs the stack program
// with the policy pack enforced and readiness waits on against a single-node cluster (containerd, gVisor,
// kube-router, CoreDNS, local-path volumes). Steps run in order and share the node.
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTROLLER_LABELS, OWNER_ANNOTATION } from "../../components/kubernetes/controlPlane";
import { ROUTER_LABELS } from "../../components/kubernetes/router";
import { sandboxRuntimeClass } from "../../policies/rules/kubernetes";
import { eventually, isReady, KubeAccess, kubeAccess, kubeGet, kubeRequest, watchUntil } from "../../scripts/node/kube";
import { buildAll, engineEnv, expectOk, kubectlFor, nodeDown, nodeUp, onNode, percentile, ROOT, run, sdkPython, writeProject } from "../../scripts/node/harness";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-e2e-"));
const projectDir = path.join(work, "project");
const badProjectDir = path.join(work, "bad-project");
const timings: Record<string, string> = {};
const results: Record<string, unknown> = {};
let access: KubeAccess;
let engineBin = "";
let nodeBin = "";
let kubeconfig = "";
/** Digests of the control-plane images as the node's containerd holds them: the stack pins them. */
const digests = { controller: "", router: "" };

/** The digest containerd (CRI namespace) records for an image reference. */
function imageDigest(ref: string): string {
    const list = expectOk(onNode([path.join(nodeBin, "ctr"), "--address", "/var/lib/cloister-node/run/containerd/containerd.sock", "-n", "k8s.io", "images", "ls"]), "ctr images ls");
    const row = list.split("\n").find((l) => l.split(/\s+/)[0] === ref);
    const digest = row?.split(/\s+/).find((f) => /^sha256:[a-f0-9]{64}$/.test(f));
    if (!digest) throw new Error(`no digest for ${ref} in:\n${list}`);
    return digest;
}
let kubectl: ReturnType<typeof kubectlFor>;
const listeners: ChildProcess[] = [];

const NS = "sandboxes";
const CONTROL_NS = "agent-sandbox-system";
const RUNTIME_IMAGE = "registry.k8s.io/agent-sandbox/python-runtime-sandbox:v1.0.3";

/** The stack file sets no cloister:kubeconfig: the node's kubeconfig is the ambient one. */
const engineEnvironment = () => engineEnv({ engineBin, nodeBin }, kubeconfig, work, "e2e");

function pulumi(cwd: string, ...args: string[]) {
    const started = Date.now();
    const result = run("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env: engineEnvironment() });
    return { ...result, seconds: (Date.now() - started) / 1000 };
}

/** The commands the GitHub Actions example runs (examples/github-actions/pulumi-ci.sh), here against the node. */
function pulumiCi(command: "preview" | "up" | "drift", stack: string) {
    const started = Date.now();
    const result = run("bash", [path.join(ROOT, "examples/github-actions/pulumi-ci.sh"), command, stack], { cwd: projectDir, env: engineEnvironment() });
    return { ...result, seconds: (Date.now() - started) / 1000 };
}

interface StackTemplate {
    name: string;
    isolation: string;
    cpu: string;
    memory: string;
    volumeSizeGb: number;
    warmPoolSize: number;
    egress: string;
}

// Sized for one 2-core node: two controller replicas, CoreDNS, three warm sandboxes and claims.
const templates: StackTemplate[] = [
    { name: "python", isolation: "gvisor", cpu: "200m", memory: "256Mi", volumeSizeGb: 1, warmPoolSize: 2, egress: "internet" },
    { name: "offline", isolation: "gvisor", cpu: "100m", memory: "192Mi", volumeSizeGb: 0, warmPoolSize: 1, egress: "none" },
    { name: "cold", isolation: "gvisor", cpu: "100m", memory: "192Mi", volumeSizeGb: 1, warmPoolSize: 0, egress: "internet" },
    // Kata cannot run on these VMs (no vhost-vsock); its template is checked at the API level only.
    { name: "vm", isolation: "kata", cpu: "200m", memory: "256Mi", volumeSizeGb: 1, warmPoolSize: 0, egress: "none" },
];

/** The e2e stack file: the node's pools as declared, upstream CRDs and runtime image from the node build. */
function writeStack(list: StackTemplate[], stack = "e2e", extra: Record<string, unknown> = {}) {
    const config = {
        config: {
            "cloister:target": "kubernetes",
            "cloister:name": stack,
            "cloister:dataProtection": "destroy",
            "cloister:sandboxPools": [
                // The node carries the gvisor pool's labels and, as it also runs the control plane, a soft taint.
                {
                    name: "gvisor",
                    isolation: "gvisor",
                    runtimeHandler: "runsc",
                    nodeLabels: { "cloister.dev/pool": "gvisor", "cloister.dev/isolation": "gvisor" },
                    taints: [{ key: "cloister.dev/isolation", value: "gvisor", effect: "PreferNoSchedule" }],
                },
                { name: "kata", isolation: "kata", runtimeHandler: "kata-qemu" },
            ],
            "cloister:controlPlane": {
                crdSource: path.join(nodeBin, "crds/agent-sandbox"),
                controllerImageDigest: digests.controller,
                routerImageDigest: digests.router,
            },
            // The node's API server address, so the control plane's egress names it rather than any address.
            "cloister:cluster": { storageProvisioner: "rancher.io/local-path", apiServerCidrs: ["10.200.0.1/32"] },
            "cloister:templates": list.map((t) => ({
                ...t,
                image: RUNTIME_IMAGE,
                ephemeralStorage: "512Mi",
                // Upstream's runtime keeps commands and files in this directory: the sandbox's volume.
                env: t.volumeSizeGb > 0 ? { SANDBOX_BASE_DIR: "/workspace" } : undefined,
            })),
            ...extra,
        },
    };
    fs.writeFileSync(path.join(projectDir, "config", `Pulumi.${stack}.yaml`), JSON.stringify(config, null, 2));
}

/** A hand-written program that puts a sandbox on the host kernel: the pack must refuse it. */
function writeBadProject() {
    fs.mkdirSync(badProjectDir, { recursive: true });
    fs.writeFileSync(path.join(badProjectDir, "Pulumi.yaml"), "name: cloister-bad\nruntime: nodejs\n");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(badProjectDir, "node_modules"));
    fs.writeFileSync(path.join(badProjectDir, "package.json"), JSON.stringify({ name: "cloister-bad", main: "index.js" }));
    fs.writeFileSync(
        path.join(badProjectDir, "index.js"),
        `const k8s = require("@pulumi/kubernetes");
new k8s.apiextensions.CustomResource("runc-template", {
    apiVersion: "extensions.agents.x-k8s.io/v1beta1",
    kind: "SandboxTemplate",
    metadata: { name: "runc", namespace: "default" },
    spec: { podTemplate: { spec: { containers: [{ name: "sandbox", image: "busybox" }] } } },
});
`,
    );
}

const api = {
    runtimeClass: (n: string) => `/apis/node.k8s.io/v1/runtimeclasses/${n}`,
    storageClass: (n: string) => `/apis/storage.k8s.io/v1/storageclasses/${n}`,
    snapshotClass: (n: string) => `/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses/${n}`,
    crd: (n: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${n}`,
    namespace: (n: string) => `/api/v1/namespaces/${n}`,
    pods: (ns: string, selector?: string) => `/api/v1/namespaces/${ns}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ""}`,
    pod: (ns: string, n: string) => `/api/v1/namespaces/${ns}/pods/${n}`,
    pvcs: (ns: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
    pv: (n: string) => `/api/v1/persistentvolumes/${n}`,
    deployment: (ns: string, n: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${n}`,
    leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
    networkPolicy: (ns: string, n: string) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${n}`,
    template: (n: string) => `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxtemplates/${n}`,
    warmPool: (n: string) => `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxwarmpools/${n}`,
    claims: `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxclaims`,
};

const AGENT_SANDBOX_CRDS = [
    "sandboxes.agents.x-k8s.io",
    "sandboxtemplates.extensions.agents.x-k8s.io",
    "sandboxclaims.extensions.agents.x-k8s.io",
    "sandboxwarmpools.extensions.agents.x-k8s.io",
];

async function warmPoolFull(name: string, size: number): Promise<boolean> {
    const pool = await kubeGet(access, api.warmPool(`${name}-warm`));
    return (pool?.status?.readyReplicas ?? 0) >= size;
}

/** Creates a claim on a template's warm pool and measures claim→Ready with a watch; returns the claim. */
async function claim(template: string, name: string): Promise<{ seconds: number; claim: any }> {
    let opened!: () => void;
    const watching = new Promise<void>((r) => (opened = r));
    let started = 0;
    const ready = watchUntil(access, `${api.claims}?fieldSelector=metadata.name%3D${name}`, (e) => e.type !== "DELETED" && isReady(e.object), 180_000, opened);
    await watching;
    started = performance.now();
    const created = await kubeRequest(access, "POST", api.claims, {
        apiVersion: "extensions.agents.x-k8s.io/v1beta1",
        kind: "SandboxClaim",
        metadata: { name, namespace: NS },
        spec: { warmPoolRef: { name: `${template}-warm` } },
    });
    if (created.status !== 201) throw new Error(`claim ${name}: ${created.status} ${JSON.stringify(created.body)}`);
    const { object, at } = await ready;
    return { seconds: (at - started) / 1000, claim: object };
}

async function deleteClaim(name: string) {
    await kubeRequest(access, "DELETE", `${api.claims}/${name}`);
    await eventually(`claim ${name} gone`, async () => (await kubeGet(access, `${api.claims}/${name}`)) === undefined, 120);
}

/** The Ready pod behind a claim. */
async function claimPod(claimObject: any): Promise<any> {
    const sandboxName = claimObject.status?.sandbox?.name ?? claimObject.status?.sandbox?.Name;
    if (!sandboxName) throw new Error(`claim ${claimObject.metadata.name} names no sandbox: ${JSON.stringify(claimObject.status)}`);
    return eventually(`pod of sandbox ${sandboxName}`, async () => {
        const pods = (await kubeGet(access, api.pods(NS))).items as any[];
        return pods.find((p) => p.metadata.ownerReferences?.some((o: any) => o.kind === "Sandbox" && o.name === sandboxName) && isReady(p));
    });
}

function execIn(ns: string, pod: string, command: string[]): { status: number | null; out: string } {
    const r = kubectl(["exec", "-n", ns, pod, "--", ...command]);
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** From inside a pod: "open" or the error class of a TCP connect (3 s timeout). */
function tcpFrom(ns: string, pod: string, host: string, port: number): string {
    const script = `import socket\ntry:\n s=socket.create_connection((${JSON.stringify(host)},${port}),timeout=3); s.close(); print("open")\nexcept Exception as e:\n print(type(e).__name__)`;
    return execIn(ns, pod, ["python3", "-c", script]).out.trim().split("\n").pop()!;
}

function resolveFrom(ns: string, pod: string, name: string): string {
    const script = `import socket\ntry:\n print(socket.gethostbyname(${JSON.stringify(name)}))\nexcept Exception as e:\n print(type(e).__name__)`;
    return execIn(ns, pod, ["python3", "-c", script]).out.trim().split("\n").pop()!;
}

/** A plain pod outside the sandbox namespace's policies (runc): the positive control for the network checks. */
function applyPod(ns: string, name: string, labels: Record<string, string>) {
    const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: ns, labels },
        spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "probe",
                    image: RUNTIME_IMAGE,
                    imagePullPolicy: "IfNotPresent",
                    resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            ],
        },
    };
    expectOk(kubectl(["apply", "-f", "-"], JSON.stringify(pod)), `pod ${ns}/${name}`);
}

beforeAll(async () => {
    let started = Date.now();
    ({ engineBin, nodeBin } = buildAll());
    timings["engine + node build (this run; warm when cached)"] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    started = Date.now();
    kubeconfig = nodeUp();
    timings["node up → Ready"] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    access = kubeAccess(kubeconfig);
    digests.controller = imageDigest("registry.k8s.io/agent-sandbox/agent-sandbox-controller:v1.0.3");
    digests.router = imageDigest("registry.k8s.io/agent-sandbox/sandbox-router-go:v1.0.3");
    kubectl = kubectlFor(nodeBin, kubeconfig);

    writeProject(projectDir);
    writeStack(templates);
    writeBadProject();
    fs.mkdirSync(path.join(work, "state"), { recursive: true });
    expectOk(pulumi(projectDir, "stack", "init", "e2e"), "stack init");
    expectOk(pulumi(badProjectDir, "stack", "init", "bad"), "stack init (bad)");
});

afterAll(() => {
    for (const l of listeners) l.kill("SIGKILL");
    if (process.env.CLOISTER_E2E_KEEP_NODE !== "1") nodeDown();
    fs.rmSync(work, { recursive: true, force: true });
    const lines = Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`);
    process.stdout.write(`\ne2e figures:\n${lines.join("\n")}\n`);
    const out = process.env.CLOISTER_E2E_RESULTS;
    if (out) fs.writeFileSync(out, JSON.stringify({ timings, ...results }, null, 2));
});

describe("the kubernetes target on a real node", () => {
    it("deploys with the policy pack enforced and readiness waits on, as the CI example's main job does", () => {
        const up = pulumiCi("up", "e2e");
        timings["pulumi up (first)"] = `${up.seconds.toFixed(1)} s`;
        expectOk(up, "pulumi up");
        expect(up.stdout).not.toMatch(/mandatory/);
    });

    it("uses the ambient kubeconfig when the stack file sets none", () => {
        const stackFile = fs.readFileSync(path.join(projectDir, "config", "Pulumi.e2e.yaml"), "utf8");
        expect(stackFile).not.toContain("cloister:kubeconfig");
        const state = JSON.parse(expectOk(pulumi(projectDir, "stack", "export", "--stack", "e2e"), "stack export"));
        const provider = state.deployment.resources.find((r: any) => r.type === "pulumi:providers:kubernetes" && r.urn.endsWith("e2e-cluster"));
        expect(provider, "the platform's Kubernetes provider").toBeDefined();
        // The provider records where it found its kubeconfig: the ambient KUBECONFIG, not a document from the stack.
        expect(provider.inputs.kubeconfig, "the provider's kubeconfig").toBe(kubeconfig);
        // And it really read KUBECONFIG: without it the same stack cannot reach the cluster.
        const blind = run("pulumi", ["preview", "--stack", "e2e", "--non-interactive"], {
            cwd: projectDir,
            env: { ...engineEnvironment(), KUBECONFIG: path.join(work, "no-such-kubeconfig"), HOME: work },
        });
        expect(blind.status).not.toBe(0);
    });

    it("installs runtime classes, storage classes and established CRDs", async () => {
        const gvisor = await kubeGet(access, api.runtimeClass("e2e-gvisor"));
        expect(gvisor.handler).toBe("runsc");
        expect(gvisor.scheduling.nodeSelector).toEqual({ "cloister.dev/pool": "gvisor", "cloister.dev/isolation": "gvisor" });
        expect(gvisor.overhead.podFixed).toEqual({ cpu: "100m", memory: "128Mi" });
        expect((await kubeGet(access, api.runtimeClass("e2e-kata"))).handler).toBe("kata-qemu");
        const sc = await kubeGet(access, api.storageClass("e2e-volumes"));
        expect(sc).toMatchObject({ provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Delete" });
        expect(await kubeGet(access, api.snapshotClass("e2e-snapshots"))).toMatchObject({ driver: "rancher.io/local-path", deletionPolicy: "Delete" });
        for (const name of AGENT_SANDBOX_CRDS) {
            const crd = await kubeGet(access, api.crd(name));
            expect(crd.status.conditions.find((c: any) => c.type === "Established")?.status, name).toBe("True");
        }
        const vm = await kubeGet(access, api.template("vm"));
        expect(vm.spec.podTemplate.spec.runtimeClassName).toBe("e2e-kata");
    });

    it("1a. runs the controller hardened: both replicas Ready, non-root, read-only root filesystem", async () => {
        const d = await kubeGet(access, api.deployment(CONTROL_NS, "agent-sandbox-controller"));
        expect(d.status.readyReplicas, "ready controller replicas").toBe(2);
        const image = d.spec.template.spec.containers[0].image;
        // Pinned by tag and digest, and the node ran exactly that image.
        expect(image).toBe(`registry.k8s.io/agent-sandbox/agent-sandbox-controller:v1.0.3@${digests.controller}`);
        const pods = (await kubeGet(access, api.pods(CONTROL_NS, "app.kubernetes.io/name=agent-sandbox-controller"))).items as any[];
        for (const p of pods.filter((p) => !p.metadata.deletionTimestamp)) expect(p.status.containerStatuses[0].imageID).toContain(digests.controller);
        // The processes themselves, as the node's kernel sees them.
        const pids = run("pgrep", ["-f", "^/agent-sandbox-controller"]).stdout.trim().split("\n").filter(Boolean);
        expect(pids, "controller processes on the node").toHaveLength(2);
        for (const pid of pids) {
            const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
            expect(status.match(/^Uid:\s+(\d+)/m)?.[1], `uid of controller pid ${pid}`).toBe("65532");
            const root = fs.readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").find((l) => l.split(" ")[4] === "/");
            expect(root?.split(" ")[5].split(","), `root mount options of pid ${pid}`).toContain("ro");
        }
    });

    it("1b. hands the leader lease to another replica when the leader is deleted", async () => {
        const pods = (await kubeGet(access, api.pods(CONTROL_NS, "app.kubernetes.io/name=agent-sandbox-controller"))).items.map((p: any) => p.metadata.name);
        const leases = (await kubeGet(access, api.leases(CONTROL_NS))).items as any[];
        const lease = leases.find((l) => pods.some((p: string) => (l.spec.holderIdentity ?? "").startsWith(p)));
        expect(lease, `a lease held by one of ${pods.join(", ")}`).toBeDefined();
        const leader = pods.find((p: string) => lease.spec.holderIdentity.startsWith(p))!;
        let opened!: () => void;
        const watching = new Promise<void>((r) => (opened = r));
        const handedOver = watchUntil(
            access,
            `${api.leases(CONTROL_NS)}?fieldSelector=metadata.name%3D${lease.metadata.name}`,
            (e) => {
                const holder = e.object.spec?.holderIdentity ?? "";
                // Another live replica: the standby, or (on a busy machine) the leader's replacement.
                return holder !== "" && !holder.startsWith(leader);
            },
            90_000,
            opened,
        );
        await watching;
        const started = performance.now();
        expect((await kubeRequest(access, "DELETE", api.pod(CONTROL_NS, leader))).status).toBe(200);
        const { object, at } = await handedOver.catch(async (e) => {
            const now = await kubeGet(access, `${api.leases(CONTROL_NS)}/${lease.metadata.name}`);
            const standby = pods.find((p: string) => p !== leader)!;
            const log = kubectl(["logs", "-n", CONTROL_NS, standby]).stdout.split("\n").filter((l) => /leader|lease/i.test(l)).slice(-5);
            throw new Error(`${e.message}; leader was ${leader} of [${pods.join(", ")}], the lease is now held by ${now?.spec?.holderIdentity}; standby said:\n${log.join("\n")}`);
        });
        const holder: string = object.spec.holderIdentity;
        const live = (await kubeGet(access, api.pods(CONTROL_NS, "app.kubernetes.io/name=agent-sandbox-controller"))).items.map((p: any) => p.metadata.name);
        expect(live.some((p: string) => holder.startsWith(p)), `new leader ${holder} is a live replica`).toBe(true);
        const by = pods.some((p: string) => p !== leader && holder.startsWith(p)) ? "the standby" : "the replacement";
        timings["leader failover (lease to another replica)"] = `${((at - started) / 1000).toFixed(2)} s, to ${by}`;
        await eventually("controller back to 2 ready replicas", async () => (await kubeGet(access, api.deployment(CONTROL_NS, "agent-sandbox-controller"))).status.readyReplicas === 2, 180);
    });

    it("2a. fills every template's warm pool, under gVisor, with the template's resources and volume", async () => {
        for (const t of templates.filter((t) => t.isolation === "gvisor")) {
            await eventually(`warm pool ${t.name}-warm at ${t.warmPoolSize}`, () => warmPoolFull(t.name, t.warmPoolSize), 300);
        }
        const hostKernel = fs.readFileSync("/proc/version", "utf8");
        const pods = ((await kubeGet(access, api.pods(NS, "cloister.dev/template=python"))).items as any[]).filter(isReady);
        expect(pods.length).toBeGreaterThanOrEqual(2);
        for (const pod of pods) {
            expect(pod.spec.runtimeClassName).toBe("e2e-gvisor");
            const [c] = pod.spec.containers;
            expect(c.resources.limits).toMatchObject({ cpu: "200m", memory: "256Mi", "ephemeral-storage": "512Mi" });
            expect(c.resources.requests).toMatchObject({ cpu: "200m", memory: "256Mi" });
            const kernel = execIn(NS, pod.metadata.name, ["cat", "/proc/version"]);
            expect(kernel.status).toBe(0);
            expect(kernel.out, "the pod's kernel is gVisor's, not the node's").not.toBe(hostKernel);
            expect(execIn(NS, pod.metadata.name, ["dmesg"]).out, "gVisor's boot messages").toMatch(/gVisor/);
            const mounts = execIn(NS, pod.metadata.name, ["cat", "/proc/mounts"]).out;
            expect(mounts, "the template's volume").toMatch(/ \/workspace /);
        }
    });

    it("2b. refuses a pod that fails Pod Security restricted in the sandbox namespace", async () => {
        const res = await kubeRequest(access, "POST", api.pods(NS), {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "privileged-probe" },
            spec: { containers: [{ name: "c", image: RUNTIME_IMAGE, securityContext: { privileged: true } }] },
        });
        expect(res.status).toBe(403);
        expect(res.body.message).toMatch(/violates PodSecurity "restricted:latest"/);
    });

    it("2c. the API server itself refuses sandboxes outside Cloister's runtime classes or with host access", async () => {
        // Dry runs: admission runs, nothing is stored. Sandboxes are custom resources Pod Security never sees.
        const sandboxes = `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes?dryRun=All`;
        const container = { name: "c", image: RUNTIME_IMAGE, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } };
        const good = { runtimeClassName: "e2e-gvisor", automountServiceAccountToken: false, containers: [container] };
        const post = (podSpec: object) =>
            kubeRequest(access, "POST", sandboxes, { apiVersion: "agents.x-k8s.io/v1beta1", kind: "Sandbox", metadata: { generateName: "rogue-" }, spec: { podTemplate: { spec: podSpec } } });
        expect((await post(good)).status, "a sandbox within the rules").toBe(201);
        const refusals: [string, object, RegExp][] = [
            ["no RuntimeClass", { ...good, runtimeClassName: undefined }, /Cloister RuntimeClass/],
            ["the node's runtime", { ...good, runtimeClassName: "runc" }, /Cloister RuntimeClass/],
            ["hostNetwork", { ...good, hostNetwork: true }, /network, PID or IPC/],
            ["hostPath", { ...good, volumes: [{ name: "h", hostPath: { path: "/" } }], containers: [{ ...container, volumeMounts: [{ name: "h", mountPath: "/h" }] }] }, /hostPath/],
            ["privileged", { ...good, containers: [{ ...container, securityContext: { privileged: true } }] }, /privileged/],
            ["a ServiceAccount token", { ...good, automountServiceAccountToken: true }, /ServiceAccount token/],
        ];
        for (const [what, podSpec, message] of refusals) {
            const res = await post(podSpec);
            expect(res.status, what).toBeGreaterThanOrEqual(400);
            expect(res.body.message, what).toMatch(message);
        }
        // A pod Pod Security admits (restricted) but that would run on the node's own kernel.
        const pod = await kubeRequest(access, "POST", `${api.pods(NS)}?dryRun=All`, {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { generateName: "runc-" },
            spec: {
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                containers: [container],
            },
        });
        expect(pod.status).toBeGreaterThanOrEqual(400);
        expect(pod.body.message).toMatch(/Cloister RuntimeClass/);
    });

    it("3. turns claims into Ready sandboxes that answer on their port; claim→Ready latencies", async () => {
        const warm: number[] = [];
        for (let i = 0; i < 20; i++) {
            await eventually("python warm pool refilled", () => warmPoolFull("python", 2), 180);
            const { seconds, claim: c } = await claim("python", `warm-${i}`);
            warm.push(seconds);
            if (i === 0) {
                const pod = await claimPod(c);
                const answer = onNode(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", `http://${pod.status.podIP}:8888/`]);
                expect(answer.stdout, "the sandbox's runtime API on :8888").toBe("200");
            }
            await deleteClaim(`warm-${i}`);
        }
        const cold: number[] = [];
        for (let i = 0; i < 5; i++) {
            const { seconds, claim: c } = await claim("cold", `cold-${i}`);
            cold.push(seconds);
            const pod = await claimPod(c);
            expect(pod.spec.runtimeClassName).toBe("e2e-gvisor");
            await deleteClaim(`cold-${i}`);
        }
        const offline = await claim("offline", "offline-0");
        expect(isReady(offline.claim)).toBe(true);
        await deleteClaim("offline-0");
        const summary = (xs: number[]) => {
            const s = [...xs].sort((a, b) => a - b);
            return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] };
        };
        results.claimLatency = { warm: summary(warm), cold: summary(cold) };
        for (const [kind, xs] of [["warm", warm], ["cold", cold]] as const) {
            const s = summary(xs);
            timings[`claim→Ready ${kind} (n=${s.n})`] = `p50 ${s.p50.toFixed(3)} s, p95 ${s.p95.toFixed(3)} s, max ${s.max.toFixed(3)} s`;
        }
        process.stdout.write(`claim→Ready: ${JSON.stringify(results.claimLatency)}\n`);
    });

    it("1c. the controller logged no forbidden errors during the claim cycle", () => {
        const logs = kubectl(["logs", "-n", CONTROL_NS, "-l", "app.kubernetes.io/name=agent-sandbox-controller", "--tail=-1", "--prefix"]);
        expect(logs.status).toBe(0);
        expect(logs.stdout.length, "controller logs").toBeGreaterThan(0);
        expect(logs.stdout.split("\n").filter((l) => /forbidden/i.test(l))).toEqual([]);
    });

    describe("4. network guard rails", () => {
        const addresses = { metadata: "169.254.169.254", internet: "203.0.113.10", privateRange: "192.168.77.1" };
        let internetPod = "";
        let offlinePod = "";
        let otherSandboxIp = "";

        beforeAll(async () => {
            // Listeners on the node: metadata, a stand-in internet host (TEST-NET-3) and a private address, each
            // reachable from an unrestricted pod, so a refusal from a sandbox is the policy and not a missing route.
            expectOk(onNode(["ip", "link", "add", "probe0", "type", "bridge"]), "probe bridge");
            for (const a of Object.values(addresses)) expectOk(onNode(["ip", "addr", "add", `${a}/32`, "dev", "probe0"]), `address ${a}`);
            expectOk(onNode(["ip", "link", "set", "probe0", "up"]), "probe bridge up");
            for (const a of Object.values(addresses)) {
                listeners.push(spawn("bash", [path.join(ROOT, "scripts/node/node.sh"), "exec", "socat", `TCP-LISTEN:80,bind=${a},fork,reuseaddr`, "SYSTEM:echo ok"], { stdio: "ignore" }));
            }
            applyPod("default", "control-probe", { app: "control-probe" });
            applyPod(CONTROL_NS, "router-stand-in", ROUTER_LABELS);
            applyPod(CONTROL_NS, "controller-stand-in", CONTROLLER_LABELS);
            const internet = await claim("python", "net-internet");
            internetPod = (await claimPod(internet.claim)).metadata.name;
            const offline = await claim("offline", "net-offline");
            offlinePod = (await claimPod(offline.claim)).metadata.name;
            const other = await claim("cold", "net-other");
            otherSandboxIp = (await claimPod(other.claim)).status.podIP;
            for (const [ns, name] of [["default", "control-probe"], [CONTROL_NS, "router-stand-in"], [CONTROL_NS, "controller-stand-in"]]) {
                await eventually(`${ns}/${name} Ready`, async () => isReady(await kubeGet(access, api.pod(ns, name))), 120);
            }
        });

        afterAll(async () => {
            await kubeRequest(access, "DELETE", api.pod("default", "control-probe"));
            await kubeRequest(access, "DELETE", api.pod(CONTROL_NS, "router-stand-in"));
            await kubeRequest(access, "DELETE", api.pod(CONTROL_NS, "controller-stand-in"));
            for (const c of ["net-internet", "net-offline", "net-other"]) await deleteClaim(c);
        });

        it("an internet sandbox reaches the internet but not cloud metadata", async () => {
            expect(tcpFrom("default", "control-probe", addresses.metadata, 80), "metadata from an unrestricted pod").toBe("open");
            expect(tcpFrom(NS, internetPod, addresses.internet, 80), "an internet address").toBe("open");
            expect(tcpFrom(NS, internetPod, addresses.metadata, 80), "cloud metadata").not.toBe("open");
        });

        it("an internet sandbox reaches no private range, API server or other sandbox; DNS works", async () => {
            expect(tcpFrom("default", "control-probe", addresses.privateRange, 80)).toBe("open");
            expect(tcpFrom(NS, internetPod, addresses.privateRange, 80), "a private address").not.toBe("open");
            expect(tcpFrom("default", "control-probe", "10.96.0.1", 443), "API server from an unrestricted pod").toBe("open");
            expect(tcpFrom(NS, internetPod, "10.96.0.1", 443), "the API server's Service").not.toBe("open");
            expect(tcpFrom(NS, internetPod, "10.200.0.1", 6443), "the API server's address").not.toBe("open");
            expect(tcpFrom(CONTROL_NS, "router-stand-in", otherSandboxIp, 8888), "another sandbox, from the router").toBe("open");
            expect(tcpFrom(NS, internetPod, otherSandboxIp, 8888), "another sandbox").not.toBe("open");
            expect(tcpFrom("default", "control-probe", otherSandboxIp, 8888), "a sandbox, from outside the router").not.toBe("open");
            expect(resolveFrom(NS, internetPod, "kubernetes.default.svc.cluster.local"), "cluster DNS").toBe("10.96.0.1");
        });

        it("the control plane reaches the API server and DNS, the router also the sandboxes, and nothing else", async () => {
            for (const pod of ["controller-stand-in", "router-stand-in"]) {
                expect(tcpFrom(CONTROL_NS, pod, "10.96.0.1", 443), `${pod}: the API server`).toBe("open");
                expect(resolveFrom(CONTROL_NS, pod, "kubernetes.default.svc.cluster.local"), `${pod}: cluster DNS`).toBe("10.96.0.1");
                expect(tcpFrom(CONTROL_NS, pod, addresses.internet, 80), `${pod}: the internet`).not.toBe("open");
                expect(tcpFrom(CONTROL_NS, pod, addresses.metadata, 80), `${pod}: cloud metadata`).not.toBe("open");
            }
            expect(tcpFrom(CONTROL_NS, "controller-stand-in", otherSandboxIp, 8888), "a sandbox, from the controller").not.toBe("open");
        });

        it("an egress-none sandbox reaches nothing, not even DNS", async () => {
            expect(resolveFrom(NS, offlinePod, "kubernetes.default.svc.cluster.local"), "cluster DNS").not.toBe("10.96.0.1");
            expect(tcpFrom(NS, offlinePod, "10.96.0.10", 53), "the DNS Service over TCP").not.toBe("open");
            for (const [what, address] of Object.entries(addresses)) {
                expect(tcpFrom(NS, offlinePod, address, 80), what).not.toBe("open");
            }
            expect(tcpFrom(NS, offlinePod, "10.96.0.1", 443), "the API server").not.toBe("open");
            expect(tcpFrom(NS, offlinePod, otherSandboxIp, 8888), "another sandbox").not.toBe("open");
        });
    });

    describe("the quick start's journey with the upstream Python SDK, through the router", () => {
        let python = "";
        let routerAddress = "";
        let sdkKubeconfig = "";
        let routerToken = "";

        beforeAll(async () => {
            python = sdkPython();
            // The SDK host's identity, as README sets it up: a ServiceAccount bound to the sandbox-client Role.
            expectOk(kubectl(["create", "namespace", "agents"]), "namespace agents");
            expectOk(kubectl(["create", "serviceaccount", "agent", "-n", "agents"]), "service account");
            expectOk(kubectl(["create", "rolebinding", "agent-sandboxes", "-n", NS, "--role", "sandbox-client", "--serviceaccount", "agents:agent"]), "role binding");
            const apiToken = expectOk(kubectl(["create", "token", "agent", "-n", "agents"]), "API token").trim();
            routerToken = expectOk(kubectl(["create", "token", "agent", "-n", "agents", "--audience", "sandbox-router"]), "router token").trim();
            // Inside the node's network namespace, where the router's Service lives.
            sdkKubeconfig = path.join(work, "sdk-kubeconfig");
            fs.writeFileSync(
                sdkKubeconfig,
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    clusters: [{ name: "node", cluster: { server: "https://10.200.0.1:6443", "certificate-authority-data": access.ca.toString("base64") } }],
                    users: [{ name: "agent", user: { token: apiToken } }],
                    contexts: [{ name: "agent", context: { cluster: "node", user: "agent" } }],
                    "current-context": "agent",
                }),
            );
            const svc = await kubeGet(access, `/api/v1/namespaces/${CONTROL_NS}/services/sandbox-router-svc`);
            routerAddress = `http://${svc.spec.clusterIP}:8080`;
        });

        afterAll(async () => {
            await kubeRequest(access, "DELETE", api.namespace("agents"));
            await kubeRequest(access, "DELETE", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings/agent-sandboxes`);
        });

        const journey = (warmPool: string, token: string) =>
            onNode(["env", `KUBECONFIG=${sdkKubeconfig}`, python, path.join(__dirname, "sdk_journey.py"), routerAddress, NS, warmPool, token], 300_000);

        it("runs a hardened, authenticated router with two replicas", async () => {
            const d = await kubeGet(access, api.deployment(CONTROL_NS, "sandbox-router"));
            expect(d.status.readyReplicas).toBe(2);
            const [c] = d.spec.template.spec.containers;
            expect(c.image).toBe(`registry.k8s.io/agent-sandbox/sandbox-router-go:v1.0.3@${digests.router}`);
            expect(c.args).toEqual(expect.arrayContaining(["--authz-mode=tokenreview", "--authz-tokenreview-require-token=true"]));
            expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
            const outputs = JSON.parse(expectOk(pulumi(projectDir, "stack", "output", "--json", "--stack", "e2e"), "stack output"));
            expect(outputs.routerUrl).toBe("http://sandbox-router-svc.agent-sandbox-system.svc:8080");
            expect(outputs.sandboxClientRole).toBe("sandbox-client");
        });

        for (const t of templates.filter((t) => t.isolation === "gvisor")) {
            it(`creates a sandbox from template ${t.name}, runs print(6*7), writes and reads a file${t.volumeSizeGb ? " on its volume" : ""}`, () => {
                const out = expectOk(journey(`${t.name}-warm`, routerToken), `SDK journey on ${t.name}`);
                const result = JSON.parse(out.trim().split("\n").pop()!);
                expect(result.stdout).toBe("42\n");
                expect(result.exit_code).toBe(0);
                expect(result.file).toBe("written through the router");
                expect(result.base_dir).toBe(t.volumeSizeGb ? "/workspace" : "/app");
                timings[`SDK create_sandbox (${t.name}, warm pool ${t.warmPoolSize})`] = `${result.create_s.toFixed(3)} s; commands.run ${result.run_s.toFixed(3)} s`;
            });
        }

        it("refuses the SDK without a router token", () => {
            const refused = journey("python-warm", "");
            expect(refused.status).not.toBe(0);
            expect(refused.stdout + refused.stderr).toMatch(/401/);
        });
    });

    it("5. keeps a sandbox's volume across a pod restart and deletes it with the sandbox (reclaim Delete)", async () => {
        const { claim: c } = await claim("python", "volume-0");
        const pod = await claimPod(c);
        const content = crypto.randomBytes(16).toString("hex");
        expect(execIn(NS, pod.metadata.name, ["python3", "-c", `open("/workspace/data.txt","w").write(${JSON.stringify(content)})`]).status).toBe(0);
        const pvc = ((await kubeGet(access, api.pvcs(NS))).items as any[]).find((p) =>
            pod.spec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === p.metadata.name),
        );
        expect(pvc?.spec.volumeName, "the sandbox's bound volume").toBeTruthy();
        expect((await kubeRequest(access, "DELETE", api.pod(NS, pod.metadata.name))).status).toBe(200);
        const again = await eventually("the sandbox's pod back", async () => {
            const pods = (await kubeGet(access, api.pods(NS))).items as any[];
            return pods.find((p) => p.metadata.uid !== pod.metadata.uid && p.spec.volumes?.some((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name) && isReady(p));
        }, 180);
        expect(execIn(NS, again.metadata.name, ["cat", "/workspace/data.txt"]).out).toBe(content);
        await deleteClaim("volume-0");
        await eventually("the sandbox's volume deleted", async () => (await kubeGet(access, api.pv(pvc.spec.volumeName))) === undefined, 180);
    });

    it("previews no changes on a second run, as the CI example's drift check does", () => {
        const preview = pulumiCi("drift", "e2e");
        timings["pulumi preview (no-op)"] = `${preview.seconds.toFixed(1)} s`;
        expectOk(preview, "no-op preview");
    });

    it("updates a template in place, and its warm pool replaces the outdated warm sandboxes", async () => {
        writeStack([{ ...templates[0], memory: "320Mi", warmPoolSize: 1 }, ...templates.slice(1)]);
        // The change as the CI example previews a pull request: the policy pack runs and passes, the plan names it.
        const proposed = pulumiCi("preview", "e2e");
        timings["pulumi preview (pull request, policy pack)"] = `${proposed.seconds.toFixed(1)} s`;
        expectOk(proposed, "pull-request preview");
        expect(proposed.stdout).toMatch(/Policy Packs run:|Policies:/);
        expect(proposed.stdout).toContain("e2e-runtime-template-python");
        const preview = pulumi(projectDir, "preview", "--json", "--stack", "e2e");
        expectOk(preview, "preview of the change");
        const steps: { op: string; urn: string }[] = JSON.parse(preview.stdout).steps;
        const changed = steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`).sort();
        expect(changed).toEqual(["update e2e-runtime-template-python", "update e2e-runtime-warmpool-python"]);
        const up = pulumi(projectDir, "up", "--yes", "--skip-preview", "--stack", "e2e");
        timings["pulumi up (template change)"] = `${up.seconds.toFixed(1)} s`;
        expectOk(up, "pulumi up of the change");
        await eventually("warm python sandboxes on the new template", async () => {
            const pods = ((await kubeGet(access, api.pods(NS, "cloister.dev/template=python"))).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
            return pods.length === 1 && pods[0].spec.containers[0].resources.limits.memory === "320Mi" && isReady(pods[0]);
        }, 240);
    });

    it("refuses a hand-written sandbox on the host kernel at preview, naming the policy", () => {
        const preview = pulumi(badProjectDir, "preview", "--stack", "bad", "--policy-pack", path.join(ROOT, "policies"));
        expect(preview.status).not.toBe(0);
        expect(preview.stdout + preview.stderr).toContain(sandboxRuntimeClass.name);
        expect(preview.stdout + preview.stderr).toMatch(/mandatory/);
    });

    it("refuses a second platform on the same cluster before it touches the first one's control plane", async () => {
        writeStack(templates.slice(0, 1), "two", { "cloister:sandboxNamespace": { name: "sandboxes-two" } });
        expectOk(pulumi(projectDir, "stack", "init", "two"), "stack init two");
        const up = pulumi(projectDir, "up", "--yes", "--skip-preview", "--stack", "two");
        expect(up.status).not.toBe(0);
        expect(up.stdout + up.stderr).toContain(OWNER_ANNOTATION);
        const ns = await kubeGet(access, api.namespace(CONTROL_NS));
        expect(ns.metadata.annotations[OWNER_ANNOTATION]).toBe("cloister/e2e");
        // Whatever the failed stack created goes with it; the first platform keeps its CRDs and controller.
        expectOk(pulumi(projectDir, "destroy", "--yes", "--skip-preview", "--stack", "two"), "destroy two");
        expectOk(pulumi(projectDir, "stack", "rm", "--yes", "--stack", "two"), "stack rm two");
        for (const name of AGENT_SANDBOX_CRDS) expect(await kubeGet(access, api.crd(name)), name).toBeDefined();
        expect((await kubeGet(access, api.deployment(CONTROL_NS, "agent-sandbox-controller"))).status.readyReplicas).toBe(2);
        expect(await warmPoolFull("offline", 1)).toBe(true);
    });

    it("refuses invalid config under the real engine: one error block naming every problem, no trace, nothing registered", () => {
        writeStack([{ ...templates[0], port: "http" } as unknown as StackTemplate], "invalid", {
            "cloister:templtes": [],
            "cloister:network": { privateEndpoint: "yes" },
        });
        expectOk(pulumi(projectDir, "stack", "init", "invalid"), "stack init invalid");
        try {
            for (const args of [["preview"], ["up", "--yes", "--skip-preview"]]) {
                const run = pulumi(projectDir, ...args, "--stack", "invalid");
                const out = run.stdout + run.stderr;
                expect(run.status, args[0]).not.toBe(0);
                expect(out).toContain("invalid stack configuration (3 problems):");
                expect(out).toContain("cloister:templtes: unknown setting; did you mean cloister:templates?");
                expect(out).toContain('cloister:network.privateEndpoint: must be true or false, not the string "yes"');
                expect(out).toContain('cloister:templates[0].port: must be a number, not "http"');
                expect(out.match(/^\s*error: /gm)?.length, out).toBe(1);
                expect(out).not.toMatch(/\n\s+at .+:\d+:\d+|\.ts:\d+|unhandled exception|\[object Object\]/);
            }
            // Only the stack itself exists: the program stopped before registering anything.
            const state = JSON.parse(expectOk(pulumi(projectDir, "stack", "export", "--stack", "invalid"), "stack export invalid"));
            const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
            expect(types.filter((t: string) => t !== "pulumi:pulumi:Stack")).toEqual([]);
        } finally {
            expectOk(pulumi(projectDir, "stack", "rm", "--yes", "--force", "--stack", "invalid"), "stack rm invalid");
        }
    });

    it("7. destroys the platform and keeps nothing in data-protection mode destroy", async () => {
        const destroy = pulumi(projectDir, "destroy", "--yes", "--skip-preview", "--stack", "e2e");
        timings["pulumi destroy"] = `${destroy.seconds.toFixed(1)} s`;
        expectOk(destroy, "pulumi destroy");
        for (const name of AGENT_SANDBOX_CRDS) expect(await kubeGet(access, api.crd(name)), name).toBeUndefined();
        expect(await kubeGet(access, api.runtimeClass("e2e-gvisor"))).toBeUndefined();
        expect(await kubeGet(access, api.storageClass("e2e-volumes"))).toBeUndefined();
        expect(await kubeGet(access, "/apis/rbac.authorization.k8s.io/v1/clusterroles/e2e-agent-sandbox-controller")).toBeUndefined();
        for (const name of [CONTROL_NS, NS]) {
            await eventually(`namespace ${name} gone`, async () => (await kubeGet(access, api.namespace(name))) === undefined, 180);
        }
        const pvs = (await kubeGet(access, "/api/v1/persistentvolumes")).items as any[];
        expect(pvs.map((p) => p.metadata.name), "no sandbox volume left behind").toEqual([]);
        const stack = JSON.parse(pulumi(projectDir, "stack", "export", "--stack", "e2e").stdout);
        expect(stack.deployment.resources ?? []).toEqual([]);
    });

    it("7b. in retain mode, destroy keeps the CRDs (and so every sandbox) and the sandbox namespace, as README says", async () => {
        writeStack([{ ...templates[1], warmPoolSize: 0 }], "keep", { "cloister:dataProtection": "retain" });
        expectOk(pulumi(projectDir, "stack", "init", "keep"), "stack init keep");
        expectOk(pulumi(projectDir, "up", "--yes", "--skip-preview", "--stack", "keep"), "pulumi up (retain)");
        expectOk(pulumi(projectDir, "destroy", "--yes", "--skip-preview", "--stack", "keep"), "pulumi destroy (retain)");
        for (const name of AGENT_SANDBOX_CRDS) expect(await kubeGet(access, api.crd(name)), `${name} kept`).toBeDefined();
        expect(await kubeGet(access, api.namespace(NS)), "sandbox namespace kept").toBeDefined();
        expect(await kubeGet(access, api.deployment(CONTROL_NS, "agent-sandbox-controller")), "controller removed").toBeUndefined();
        expect(await kubeGet(access, api.runtimeClass("keep-gvisor")), "runtime class removed").toBeUndefined();
        // What retain mode kept is the operator's to delete.
        for (const name of AGENT_SANDBOX_CRDS) await kubeRequest(access, "DELETE", api.crd(name));
        await kubeRequest(access, "DELETE", api.namespace(NS));
    });
});
