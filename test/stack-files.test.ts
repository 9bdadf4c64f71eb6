// Stack files as a new user writes them, run through the offline plan exactly as `npm run plan` does:
// each bad file holds one defect and must be refused before anything is registered, with one readable
// problem naming the config key; each boundary file sits at a limit and must plan.
import { describe, expect, it } from "vitest";
import { runPlanWithConfigAsync } from "./plan";

type Config = Record<string, string>;

/** A valid kubernetes-target stack: the smallest a user writes. */
const KUBERNETES: Config = {
    "cloister:target": "kubernetes",
    "cloister:name": "table",
    "cloister:cluster": "{storageProvisioner: x.csi.example.com}",
    "cloister:sandboxPools": "[{name: gv, isolation: gvisor}]",
    "cloister:templates": "[{name: py, image: img, isolation: gvisor}]",
};

/** A valid GKE stack with a gVisor pool of two N2 nodes and an L4 pool. */
const GCP: Config = {
    "gcp:project": "my-project-123",
    "cloister:target": "gcp",
    "cloister:name": "table",
    "cloister:region": "us-central1",
    "cloister:sandboxPools": "[{name: gv, isolation: gvisor, machineType: n2-standard-8, maxNodes: 2}]",
    "cloister:gpuPools": "[{name: l4, isolation: gvisor, acceleratorType: nvidia-l4, zones: [us-central1-a], maxNodes: 1}]",
    "cloister:templates": "[{name: py, image: img, isolation: gvisor}]",
};

/** A one-item list in YAML flow style: the base item with `extra` ("key: value, ...") overriding its keys. */
function oneItem(base: Record<string, string>, extra: string): string {
    const overrides = Object.fromEntries(extra.split(/,\s*(?![^[{]*[\]}])/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf(":")), kv.slice(kv.indexOf(":") + 1).trim()]));
    return `[{${Object.entries({ ...base, ...overrides }).map(([k, v]) => `${k}: ${v}`).join(", ")}}]`;
}
/** A valid EKS stack: a gVisor group of two m7i.2xlarge and an L4 group. */
const AWS: Config = {
    "aws:region": "us-east-1",
    "cloister:target": "aws",
    "cloister:name": "table",
    "cloister:region": "us-east-1",
    "cloister:sandboxPools": "[{name: gv, isolation: gvisor, machineType: m7i.2xlarge, maxNodes: 2}]",
    "cloister:gpuPools": "[{name: l4, isolation: gvisor, acceleratorType: nvidia-l4, maxNodes: 1}]",
    "cloister:templates": "[{name: py, image: img, isolation: gvisor}]",
};

const tpl = (extra: string) => oneItem({ name: "py", image: "img", isolation: "gvisor" }, extra);
const gvPool = (extra: string) => oneItem({ name: "gv", isolation: "gvisor", machineType: "n2-standard-8", maxNodes: "2" }, extra);
const l4Pool = (extra: string) => oneItem({ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4", zones: "[us-central1-a]" }, extra);

interface BadCase {
    defect: string;
    base: Config;
    /** Keys to set (YAML values); `null` removes a key. */
    set: Record<string, string | null>;
    /** The config key the one problem must name. */
    field: string;
}

const bad = (defect: string, base: Config, set: Record<string, string | null>, field: string): BadCase => ({ defect, base, set, field });
const K = KUBERNETES;
const G = GCP;
const A = AWS;

const BAD: BadCase[] = [
    // Misspelled or unknown keys, at every level.
    bad("misspelled top-level key", K, { "cloister:templtes": "[]" }, "cloister:templtes"),
    bad("kubeConfig for kubeconfig", K, { "cloister:kubeConfig": "~/.kube/config" }, "cloister:kubeConfig"),
    bad("sandboxpools for sandboxPools", K, { "cloister:sandboxpools": "[]" }, "cloister:sandboxpools"),
    bad("misspelled template key", K, { "cloister:templates": tpl("warmPoolsize: 2") }, "cloister:templates[0].warmPoolsize"),
    bad("misspelled pool key", G, { "cloister:sandboxPools": gvPool("machinetype: n2-standard-4") }, "cloister:sandboxPools[0].machinetype"),
    bad("misspelled nested key", K, { "cloister:network": "{privateEndPoint: true}" }, "cloister:network.privateEndPoint"),
    // Wrong shapes and types.
    bad("a map where a list belongs", K, { "cloister:templates": "{name: py, image: img, isolation: gvisor}" }, "cloister:templates"),
    bad("pools as a map", K, { "cloister:sandboxPools": "{gv: {isolation: gvisor}}" }, "cloister:sandboxPools"),
    bad('"yes" for a boolean', K, { "cloister:network": '{privateEndpoint: "yes"}' }, "cloister:network.privateEndpoint"),
    bad('"true" for a boolean', K, { "cloister:storage": '{allowVolumeExpansion: "true"}' }, "cloister:storage.allowVolumeExpansion"),
    bad("a string for a number", K, { "cloister:templates": tpl('warmPoolSize: "two"') }, "cloister:templates[0].warmPoolSize"),
    bad("command as a string", K, { "cloister:templates": tpl("command: python") }, "cloister:templates[0].command"),
    // Values out of range or not valid.
    bad("unknown target", K, { "cloister:target": "openstack" }, "cloister:target"),
    bad("name not a DNS label", K, { "cloister:name": "Bad Name" }, "cloister:name"),
    bad("name missing", K, { "cloister:name": null }, "cloister:name"),
    bad("unknown isolation", K, { "cloister:templates": "[{name: py, image: img, isolation: firecracker}]" }, "cloister:templates[0].isolation"),
    bad("negative cpu", K, { "cloister:templates": tpl('cpu: "-1"') }, "cloister:templates[0].cpu"),
    bad("memory not a quantity", K, { "cloister:templates": tpl("memory: lots") }, "cloister:templates[0].memory"),
    bad("port out of range", K, { "cloister:templates": tpl("port: 70000") }, "cloister:templates[0].port"),
    bad("env name with a leading digit", K, { "cloister:templates": tpl("env: {1BAD: x}") }, 'cloister:templates[0].env["1BAD"]'),
    bad("unknown egress mode", K, { "cloister:templates": tpl("egress: some") }, "cloister:templates[0].egress"),
    bad("unknown taint effect", K, { "cloister:sandboxPools": "[{name: gv, isolation: gvisor, taints: [{key: a, effect: Sometimes}]}]" }, "cloister:sandboxPools[0].taints[0].effect"),
    bad("maxNodes 0", K, { "cloister:sandboxPools": "[{name: gv, isolation: gvisor, maxNodes: 0}]" }, "cloister:sandboxPools[0].maxNodes"),
    bad("minNodes above maxNodes", K, { "cloister:systemPool": "{minNodes: 5, maxNodes: 2}" }, "cloister:systemPool.minNodes"),
    bad("pool name used twice", K, { "cloister:sandboxPools": "[{name: gv, isolation: gvisor}, {name: gv, isolation: gvisor}]" }, "cloister:sandboxPools[1].name"),
    bad("template name used twice", K, { "cloister:templates": "[{name: py, image: img, isolation: gvisor}, {name: py, image: img, isolation: gvisor}]" }, "cloister:templates[1].name"),
    bad("template isolation no pool provides", K, { "cloister:templates": "[{name: py, image: img, isolation: kata}]" }, "cloister:templates[0].isolation"),
    bad("unknown data protection mode", K, { "cloister:dataProtection": "keep" }, "cloister:dataProtection"),
    bad("unknown reclaim policy", K, { "cloister:storage": "{reclaimPolicy: Recycle}" }, "cloister:storage.reclaimPolicy"),
    bad("patch version for kubernetesVersion", K, { "cloister:kubernetesVersion": '"1.36.3"' }, "cloister:kubernetesVersion"),
    bad("existing cluster without a CSI provisioner", K, { "cloister:cluster": "{}" }, "cloister:cluster.storageProvisioner"),
    bad("kubeconfig file that does not exist", K, { "cloister:kubeconfig": "/nonexistent/kubeconfig" }, "cloister:kubeconfig"),
    // Network.
    bad("CIDR with host bits", K, { "cloister:network": '{vpcCidr: "10.0.0.1/16"}' }, "cloister:network.vpcCidr"),
    bad("overlapping ranges", K, { "cloister:network": '{vpcCidr: "10.8.0.0/16"}' }, "cloister:network.podCidr"),
    bad("API open to the internet", K, { "cloister:network": '{privateEndpoint: false, authorizedNetworks: ["0.0.0.0/0"]}' }, "cloister:network.authorizedNetworks[0]"),
    bad("authorized networks on a private endpoint", K, { "cloister:network": '{authorizedNetworks: ["203.0.113.0/24"]}' }, "cloister:network.authorizedNetworks"),
    // Control plane and namespaces.
    bad("pre-1.0 control plane", K, { "cloister:controlPlane": "{version: v0.9.0}" }, "cloister:controlPlane.version"),
    bad("CRDs over plain http", K, { "cloister:controlPlane": "{crdSource: http://example.com/crds}" }, "cloister:controlPlane.crdSource"),
    bad("CRDs from a missing directory", K, { "cloister:controlPlane": "{crdSource: /nonexistent/crds}" }, "cloister:controlPlane.crdSource"),
    bad("snapshot CRDs over ftp", K, { "cloister:storage": "{snapshotCrdSource: ftp://example.com/crds}" }, "cloister:storage.snapshotCrdSource"),
    bad("unknown router auth", K, { "cloister:controlPlane": "{routerAuth: none}" }, "cloister:controlPlane.routerAuth"),
    bad("registry with a scheme", K, { "cloister:controlPlane": "{imageRegistry: https://mirror.example.com}" }, "cloister:controlPlane.imageRegistry"),
    bad("image digest without its algorithm", K, { "cloister:controlPlane": "{routerImageDigest: 8c8f5814c16bd68631af0496a5fa4eb9}" }, "cloister:controlPlane.routerImageDigest"),
    bad("sandboxes in kube-system", K, { "cloister:sandboxNamespace": "{name: kube-system}" }, "cloister:sandboxNamespace.name"),
    bad("quota not a quantity", K, { "cloister:sandboxNamespace": "{cpuQuota: abc}" }, "cloister:sandboxNamespace.cpuQuota"),
    // Capacity: quota and LimitRange.
    bad("template over the LimitRange cpu", K, { "cloister:templates": tpl("cpu: 48"), "cloister:sandboxNamespace": "{cpuQuota: 100}" }, "cloister:templates[0].cpu"),
    bad("template over the LimitRange memory", K, { "cloister:templates": tpl("memory: 300Gi"), "cloister:sandboxNamespace": "{memoryQuota: 1Ti}" }, "cloister:templates[0].memory"),
    bad("template over the LimitRange disk", K, { "cloister:templates": tpl("ephemeralStorage: 200Gi") }, "cloister:templates[0].ephemeralStorage"),
    bad("volume over the LimitRange", K, { "cloister:templates": tpl("volumeSizeGb: 4096") }, "cloister:templates[0].volumeSizeGb"),
    bad("one sandbox over the cpu quota", K, { "cloister:templates": tpl("cpu: 8"), "cloister:sandboxNamespace": "{cpuQuota: 4}" }, "cloister:templates[0].cpu"),
    bad("warm pool over the cpu quota", K, { "cloister:templates": tpl("warmPoolSize: 100") }, "cloister:templates[0].warmPoolSize"),
    bad("warm pool over the pod quota", K, { "cloister:templates": tpl("warmPoolSize: 30, cpu: 100m, memory: 128Mi"), "cloister:sandboxNamespace": "{podQuota: 20}" }, "cloister:templates[0].warmPoolSize"),
    bad(
        "warm pools together over the cpu quota",
        K,
        { "cloister:templates": "[{name: a, image: img, isolation: gvisor, warmPoolSize: 40}, {name: b, image: img, isolation: gvisor, warmPoolSize: 40}]" },
        "cloister:sandboxNamespace.cpuQuota",
    ),
    bad("GPU template with a GPU quota of 0", G, { "cloister:templates": tpl("gpu: 1"), "cloister:sandboxNamespace": "{gpuQuota: 0}" }, "cloister:templates[0].gpu"),
    bad("GPU template asking more GPUs than a node has", G, { "cloister:templates": tpl("gpu: 2") }, "cloister:templates[0].gpu"),
    // Capacity: the nodes of the pools.
    bad("warm pool bigger than the pools", G, { "cloister:templates": tpl("warmPoolSize: 20") }, "cloister:templates[0].warmPoolSize"),
    bad("sandbox bigger than a node", G, { "cloister:templates": tpl("cpu: 16, memory: 8Gi") }, "cloister:templates[0]"),
    bad(
        "warm pools together bigger than the pools",
        G,
        { "cloister:templates": "[{name: a, image: img, isolation: gvisor, warmPoolSize: 10}, {name: b, image: img, isolation: gvisor, warmPoolSize: 10}]" },
        "cloister:templates",
    ),
    // GKE machine facts.
    bad("unknown accelerator", G, { "cloister:gpuPools": l4Pool("acceleratorType: nvidia-l5") }, "cloister:gpuPools[0].acceleratorType"),
    bad("3 GPUs on a G2", G, { "cloister:gpuPools": l4Pool("acceleratorType: nvidia-l4, acceleratorCount: 3, machineType: g2-standard-24") }, "cloister:gpuPools[0].acceleratorCount"),
    bad("a T4 on a G2", G, { "cloister:gpuPools": l4Pool("acceleratorType: nvidia-tesla-t4, machineType: g2-standard-8") }, "cloister:gpuPools[0].machineType"),
    bad("GPUs on a family without them", G, { "cloister:gpuPools": l4Pool("acceleratorType: nvidia-l4, machineType: n2-standard-8") }, "cloister:gpuPools[0].machineType"),
    bad("Hyperdisk tier on N2", G, { "cloister:gpuPools": null, "cloister:storage": "{tier: performance}" }, "cloister:storage.tier"),
    bad(
        "Hyperdisk-only and PD-only pools sharing one StorageClass",
        G,
        { "cloister:gpuPools": null, "cloister:sandboxPools": "[{name: gv, isolation: gvisor, machineType: c4-standard-8}, {name: gw, isolation: gvisor, machineType: n2-standard-8}]" },
        "cloister:sandboxPools[1].machineType",
    ),
    bad("kata on a family without nested virtualization", G, { "cloister:sandboxPools": gvPool("isolation: kata, machineType: e2-standard-8") , "cloister:templates": "[{name: py, image: img, isolation: kata}]" }, "cloister:sandboxPools[0].machineType"),
    bad("GPU pool without zones", G, { "cloister:gpuPools": "[{name: l4, isolation: gvisor, acceleratorType: nvidia-l4}]" }, "cloister:gpuPools[0].zones"),
    bad("zone of another region", G, { "cloister:gpuPools": "[{name: l4, isolation: gvisor, acceleratorType: nvidia-l4, zones: [europe-west4-a]}]" }, "cloister:gpuPools[0].zones[0]"),
    bad("a zone for the region", G, { "cloister:region": "us-central1-a", "cloister:gpuPools": null }, "cloister:region"),
    bad("no GCP project", G, { "gcp:project": null }, "cloister:gcp.project"),
    bad("unknown release channel", G, { "cloister:gcp": "{releaseChannel: FAST}" }, "cloister:gcp.releaseChannel"),
    bad("control-plane range not a /28", G, { "cloister:gcp": '{masterCidr: "172.16.0.0/24"}' }, "cloister:gcp.masterCidr"),
    bad("soft delete too short", G, { "cloister:gcp": "{softDeleteDays: 3}" }, "cloister:gcp.softDeleteDays"),
    bad("pod range too small for the pools", G, { "cloister:network": '{podCidr: "10.8.0.0/24"}' }, "cloister:network.podCidr"),
    // EKS facts.
    bad("kata on an instance type without nested virtualization", A, { "cloister:sandboxPools": "[{name: k, isolation: kata, machineType: m7i.2xlarge}]", "cloister:templates": "[{name: py, image: img, isolation: kata}]" }, "cloister:sandboxPools[0].machineType"),
    bad("an L4 group on an A10G instance", A, { "cloister:gpuPools": "[{name: l4, isolation: gvisor, acceleratorType: nvidia-l4, machineType: g5.xlarge}]" }, "cloister:gpuPools[0].machineType"),
    bad("one AWS zone", A, { "cloister:aws": "{availabilityZones: [us-east-1a]}" }, "cloister:aws.availabilityZones"),
    bad("public EKS endpoint for everyone", A, { "cloister:network": "{privateEndpoint: false}" }, "cloister:network.authorizedNetworks"),
    bad("gVisor release latest", A, { "cloister:aws": "{gvisorRelease: latest}" }, "cloister:aws.gvisorRelease"),
    bad("misspelled add-on", A, { "cloister:aws": '{addonVersions: {vpc-cin: "v1.0.0"}}' }, 'cloister:aws.addonVersions["vpc-cin"]'),
    bad("AWS warm pool bigger than the group", A, { "cloister:templates": tpl("warmPoolSize: 20") }, "cloister:templates[0].warmPoolSize"),
    bad("taints on a GKE gvisor pool", G, { "cloister:sandboxPools": gvPool("taints: [{key: a, value: b, effect: NoSchedule}]") }, "cloister:sandboxPools[0].taints"),
];

const BOUNDARY: { at: string; base: Config; set: Record<string, string | null> }[] = [
    { at: "the smallest kubernetes stack", base: K, set: {} },
    { at: "the smallest GKE stack", base: G, set: {} },
    { at: "cpu and memory written as numbers", base: K, set: { "cloister:templates": tpl("cpu: 2, memory: 4096") } },
    { at: "a template at the LimitRange maximum", base: K, set: { "cloister:templates": tpl("cpu: 32, memory: 256Gi, ephemeralStorage: 100Gi, volumeSizeGb: 2048"), "cloister:sandboxNamespace": "{memoryQuota: 512Gi}" } },
    // 58 × (1 CPU + 100m gVisor overhead) = 63.8 of the default 64.
    { at: "a warm pool that just fits the quota", base: K, set: { "cloister:templates": tpl("warmPoolSize: 58") } },
    // n2-standard-8 has 7.91 CPU allocatable: 7 one-CPU sandboxes per node, two nodes.
    { at: "a warm pool that just fits the pools", base: G, set: { "cloister:templates": tpl("warmPoolSize: 14") } },
    { at: "2 GPUs on a g2-standard-24", base: G, set: { "cloister:gpuPools": l4Pool("acceleratorCount: 2, machineType: g2-standard-24"), "cloister:templates": tpl("gpu: 2") } },
    { at: "4 T4s on an N1", base: G, set: { "cloister:gpuPools": l4Pool("acceleratorType: nvidia-tesla-t4, acceleratorCount: 4, machineType: n1-standard-16") } },
    { at: "Hyperdisk tier on C3", base: G, set: { "cloister:gpuPools": null, "cloister:sandboxPools": gvPool("machineType: c3-standard-8"), "cloister:storage": "{tier: performance}" } },
    { at: "Hyperdisk-only pools with the standard tier", base: G, set: { "cloister:gpuPools": null, "cloister:sandboxPools": gvPool("machineType: c4-standard-8") } },
    { at: "the smallest EKS stack", base: A, set: {} },
    // m7i.2xlarge: 7.91 CPU allocatable, 1.1 CPU per sandbox with runsc's overhead → 7 per node, 2 nodes.
    { at: "an EKS warm pool that just fits the group", base: A, set: { "cloister:templates": tpl("warmPoolSize: 14") } },
    { at: "an account guard", base: A, set: { "cloister:aws": '{accountId: "123456789012"}' } },
    { at: "kata on bare metal", base: A, set: { "cloister:sandboxPools": "[{name: k, isolation: kata, machineType: m7i.metal-24xl}]", "cloister:templates": "[{name: py, image: img, isolation: kata}]", "cloister:gpuPools": null } },
    { at: "minNodes equal to maxNodes, egress none, no volume", base: K, set: { "cloister:sandboxPools": "[{name: gv, isolation: gvisor, minNodes: 2, maxNodes: 2}]", "cloister:templates": tpl("egress: none, volumeSizeGb: 0") } },
];

function stackFile(base: Config, set: Record<string, string | null>): string[] {
    const config: Record<string, string | null> = { ...base, ...set };
    return Object.entries(config)
        .filter((entry): entry is [string, string] => entry[1] !== null)
        .map(([key, value]) => `${key}: ${value}`);
}

const STACK_TRACE = /\n\s+at .+[:(]\d+:\d+|\.ts:\d+|\.js:\d+/;

describe("bad stack files", () => {
    it("has at least 60 of them", () => expect(BAD.length).toBeGreaterThanOrEqual(60));

    it.concurrent.each(BAD.map((c) => [c.defect, c] as const))("refuses %s", async (_, c) => {
        const run = await runPlanWithConfigAsync("table", stackFile(c.base, c.set));
        expect(run.status).toBe(1);
        expect(run.stdout).toBe("");
        // One defect, one problem, named by its config key.
        expect(run.stderr).toMatch(/^invalid stack configuration \(1 problem\):\n/);
        expect(run.stderr.split("\n")[1]).toMatch(new RegExp(`^  ${c.field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: \\S`));
        expect(run.stderr).not.toMatch(/resources were registered before the error/);
        expect(run.stderr).not.toMatch(STACK_TRACE);
        expect(run.stderr).not.toMatch(/\[object Object\]|undefined|TypeError|is not a function/);
    });
});

describe("boundary stack files", () => {
    it.concurrent.each(BOUNDARY.map((c) => [c.at, c] as const))("plans %s", async (_, c) => {
        const run = await runPlanWithConfigAsync("table", stackFile(c.base, c.set));
        expect(run.stderr).toBe("");
        expect(run.status).toBe(0);
        const plan = JSON.parse(run.stdout) as { resources: { type: string }[] };
        expect(plan.resources.some((r) => r.type === "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate")).toBe(true);
    });
});
