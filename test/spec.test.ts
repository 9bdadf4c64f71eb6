// The pure validator: every bad input is reported with its field path and what would be valid, and
// every problem of a spec is reported at once.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { AGENT_SANDBOX_CRD_FILES } from "../components/kubernetes/controlPlane";
import { PlatformSpec, resolveSpec, validateSpec } from "../components/spec";

const valid: PlatformSpec = {
    target: "kubernetes",
    name: "acme",
    sandboxPools: [
        { name: "gv", isolation: "gvisor" },
        { name: "vm", isolation: "kata" },
    ],
    gpuPools: [{ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4", acceleratorCount: 2 }],
    cluster: { storageProvisioner: "ebs.csi.aws.com" },
    templates: [
        { name: "py", image: "python:3.12-slim", isolation: "gvisor", warmPoolSize: 2 },
        { name: "gpu", image: "nvcr.io/nvidia/cuda:12.4.0-base-ubuntu22.04", isolation: "gvisor", gpu: 1 },
    ],
};

/** A copy of the valid spec with one change. */
const withChange = (change: (s: PlatformSpec) => void): PlatformSpec => {
    const s = structuredClone(valid);
    change(s);
    return s;
};

describe("validateSpec", () => {
    it("accepts a complete valid spec", () => {
        expect(validateSpec(valid)).toEqual([]);
    });

    const cases: [string, (s: PlatformSpec) => void, string, RegExp][] = [
        ["unknown target", (s) => ((s as any).target = "openstack"), "target", /not one of "aws", "gcp", "azure", "kubernetes"/],
        ["name not a DNS label", (s) => (s.name = "Acme_Corp"), "name", /DNS label/],
        ["name too long", (s) => (s.name = "a".repeat(21)), "name", /at most 20/],
        ["cloud target without region", (s) => (s.target = "gcp"), "region", /needs a cloud region/],
        ["min nodes above max", (s) => Object.assign(s.sandboxPools![0], { minNodes: 5, maxNodes: 2 }), "sandboxPools[0].minNodes", /must not exceed maxNodes \(2\)/],
        ["negative min nodes", (s) => (s.sandboxPools![1].minNodes = -1), "sandboxPools[1].minNodes", /whole number from 0/],
        ["negative disk size", (s) => (s.sandboxPools![0].diskSizeGb = -20), "sandboxPools[0].diskSizeGb", /from 10 to/],
        ["negative volume size", (s) => (s.templates![0].volumeSizeGb = -1), "templates[0].volumeSizeGb", /from 0 to/],
        ["fractional warm pool", (s) => (s.templates![0].warmPoolSize = 1.5), "templates[0].warmPoolSize", /whole number/],
        ["unknown isolation", (s) => ((s.sandboxPools![0] as any).isolation = "firecracker"), "sandboxPools[0].isolation", /"gvisor", "kata"/],
        ["template isolation no pool provides", (s) => (s.sandboxPools = [{ name: "gv", isolation: "gvisor" }], s.templates![0].isolation = "kata"), "templates[0].isolation", /no sandbox pool provides "kata"/],
        ["GPU template with no GPU pool", (s) => (s.gpuPools = []), "templates[1].gpu", /no GPU pool has isolation "gvisor": add a gpuPools entry/],
        ["GPU template wanting more GPUs than a node has", (s) => (s.templates![1].gpu = 4), "templates[1].gpu", /no "gvisor" GPU pool has that many/],
        ["duplicate pool names", (s) => (s.sandboxPools![1].name = "gv"), "sandboxPools[1].name", /used twice/],
        ["pool name shared by a GPU pool", (s) => (s.gpuPools![0].name = "vm"), "gpuPools[0].name", /unique across sandboxPools and gpuPools/],
        ["duplicate template names", (s) => (s.templates![1].name = "py"), "templates[1].name", /used twice/],
        ["malformed CIDR", (s) => (s.network = { vpcCidr: "10.0.0.300/16" }), "network.vpcCidr", /not an IPv4 CIDR/],
        ["CIDR with host bits", (s) => (s.network = { podCidr: "10.8.0.1/14" }), "network.podCidr", /host bits zero/],
        ["overlapping CIDRs", (s) => (s.network = { vpcCidr: "10.0.0.0/8", podCidr: "10.8.0.0/14" }), "network.podCidr", /overlaps vpcCidr 10\.0\.0\.0\/8/],
        ["authorized networks open to the internet", (s) => (s.network = { privateEndpoint: false, authorizedNetworks: ["0.0.0.0/0"] }), "network.authorizedNetworks[0]", /opens the Kubernetes API to the internet/],
        ["authorized networks on a private endpoint", (s) => (s.network = { authorizedNetworks: ["203.0.113.0/24"] }), "network.authorizedNetworks", /private endpoint/],
        ["bad memory quantity", (s) => (s.templates![0].memory = "2 GB"), "templates[0].memory", /Kubernetes quantity/],
        ["image with spaces", (s) => (s.templates![0].image = "python 3"), "templates[0].image", /container image reference/],
        ["unknown egress mode", (s) => ((s.templates![0] as any).egress = "proxy"), "templates[0].egress", /"internet", "none"/],
        ["pre-1.0 control plane", (s) => (s.controlPlane = { version: "v0.5.6" }), "controlPlane.version", /v1\.0\.0 or later/],
        ["registry with a scheme", (s) => (s.controlPlane = { imageRegistry: "https://mirror.example.com" }), "controlPlane.imageRegistry", /without a scheme/],
        ["plain-http CRD source", (s) => (s.controlPlane = { crdSource: "http://mirror/crds" }), "controlPlane.crdSource", /https:\/\//],
        ["sandboxes in kube-system", (s) => (s.sandboxNamespace = { name: "kube-system" }), "sandboxNamespace.name", /system or control-plane namespace/],
        ["unknown taint effect", (s) => (s.sandboxPools![0].taints = [{ key: "a", effect: "Never" as any }]), "sandboxPools[0].taints[0].effect", /"NoSchedule"/],
        ["existing cluster without a storage provisioner", (s) => (s.cluster = {}), "cluster.storageProvisioner", /CSI provisioner/],
        ["unknown data protection mode", (s) => ((s as any).dataProtection = "keep"), "dataProtection", /"retain", "destroy"/],
        ["bad Kubernetes version", (s) => (s.kubernetesVersion = "1.36.3"), "kubernetesVersion", /minor version/],
    ];

    it.each(cases)("rejects %s", (_, change, path, reason) => {
        const problems = validateSpec(withChange(change));
        const atPath = problems.filter((p) => p.path === path);
        expect(atPath.map((p) => p.reason)).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
    });

    it("reports every problem of a spec at once", () => {
        const problems = validateSpec(
            withChange((s) => {
                s.name = "BAD";
                s.sandboxPools![0].minNodes = 9;
                s.templates![0].memory = "lots";
            }),
        );
        expect(problems.map((p) => p.path)).toEqual(
            expect.arrayContaining(["name", "sandboxPools[0].minNodes", "templates[0].memory"]),
        );
    });
});

describe("resolveSpec", () => {
    it("keeps data by default, deletes per-sandbox volumes with their sandbox, and makes sandbox pools scale to zero", () => {
        const spec = resolveSpec({ target: "kubernetes", name: "a", sandboxPools: [{ name: "gv", isolation: "gvisor" }] });
        expect(spec.dataProtection).toBe("retain");
        expect(spec.storage.reclaimPolicy).toBe("Delete");
        expect(spec.network.privateEndpoint).toBe(true);
        expect(spec.pools[0].minNodes).toBe(0);
        expect(spec.controlPlane.replicas).toBe(2);
        expect(spec.controlPlane.version).toMatch(/^v1\.0\.\d+$/);
    });

    it("labels and taints cloud pools with Cloister's keys even when the user adds their own", () => {
        const spec = resolveSpec({
            target: "gcp",
            name: "a",
            region: "us-central1",
            sandboxPools: [{ name: "vm", isolation: "kata", nodeLabels: { team: "ml" }, taints: [{ key: "team", value: "ml", effect: "NoSchedule" }] }],
            gpuPools: [{ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4" }],
        });
        const [kata, gpu] = spec.pools;
        expect(kata.nodeLabels).toEqual({ "cloister.dev/pool": "vm", "cloister.dev/isolation": "kata", team: "ml" });
        expect(kata.taints).toEqual([
            { key: "cloister.dev/isolation", value: "kata", effect: "NoSchedule" },
            { key: "team", value: "ml", effect: "NoSchedule" },
        ]);
        expect(gpu.taints).toContainEqual({ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" });
        expect(gpu.nodeLabels["cloister.dev/accelerator"]).toBe("nvidia-l4");
    });

    it("takes an existing cluster's declared labels and taints as they are", () => {
        const spec = resolveSpec({
            target: "kubernetes",
            name: "a",
            sandboxPools: [{ name: "gv", isolation: "gvisor", nodeLabels: { "sandbox.gke.io/runtime": "gvisor" }, taints: [] }],
        });
        expect(spec.pools[0].nodeLabels).toEqual({ "sandbox.gke.io/runtime": "gvisor" });
        expect(spec.pools[0].taints).toEqual([]);
    });
});

describe("the spec's shape, from the schema generated out of the spec types", () => {
    const problems = (change: (s: any) => void) => validateSpec(withChange(change));

    it("refuses a misspelled key at every level, naming the nearest valid one", () => {
        expect(problems((s) => (s.templtes = []))).toContainEqual({ path: "templtes", reason: "unknown setting; did you mean templates?" });
        expect(problems((s) => (s.templates[0].warmPoolsize = 2))).toContainEqual({
            path: "templates[0].warmPoolsize",
            reason: "unknown setting; did you mean templates[0].warmPoolSize?",
        });
        expect(problems((s) => (s.sandboxPools[1].machinetype = "n2-standard-8"))).toContainEqual({
            path: "sandboxPools[1].machinetype",
            reason: "unknown setting; did you mean sandboxPools[1].machineType?",
        });
        // Nothing close: the valid keys are listed instead of a guess.
        const [far] = problems((s) => (s.storage = { colour: "blue" }));
        expect(far.path).toBe("storage.colour");
        expect(far.reason).toMatch(/^unknown setting; valid settings here: tier, reclaimPolicy, /);
    });

    it("says so when a map stands where a list belongs (instead of crashing on it)", () => {
        const [p] = problems((s) => (s.templates = { py: s.templates[0] }));
        expect(p).toEqual({ path: "templates", reason: 'must be a list (YAML items starting with "- "), not a map' });
    });

    it("refuses the string \"yes\"/\"true\" for a boolean with the reason, instead of coercing it", () => {
        expect(problems((s) => (s.controlPlane = { awaitReadiness: "yes" }))).toEqual([
            { path: "controlPlane.awaitReadiness", reason: 'must be true or false, not the string "yes": write it without quotes' },
        ]);
        expect(problems((s) => (s.storage = { snapshotClass: "true" }))[0].reason).toMatch(/not the string "true"/);
    });

    it("names the valid values of an enum and reports every shape problem at once", () => {
        const found = problems((s) => {
            s.templates[0].isolation = "gvisr";
            s.templates[1].egress = "some";
            s.sandboxPools[0].minNodes = "3";
        });
        expect(found).toEqual(
            expect.arrayContaining([
                { path: "templates[0].isolation", reason: '"gvisr" is not one of "gvisor", "kata"' },
                { path: "templates[1].egress", reason: '"some" is not one of "internet", "none"' },
                { path: "sandboxPools[0].minNodes", reason: 'must be a number, not "3"' },
            ]),
        );
    });
});

describe("URL and path settings", () => {
    const reasons = (crdSource: string) => validateSpec(withChange((s) => (s.controlPlane = { crdSource }))).filter((p) => p.path === "controlPlane.crdSource").map((p) => p.reason);

    it("take https:// URL prefixes and refuse plain http and other schemes", () => {
        expect(reasons("https://mirror.example.com/agent-sandbox/v1.0.3/k8s/crds")).toEqual([]);
        expect(reasons("http://mirror.example.com/crds")[0]).toMatch(/must be an https:\/\/ URL prefix or a local directory/);
        expect(reasons("ftp://mirror.example.com/crds")[0]).toMatch(/must be an https:\/\//);
    });

    it("take a local directory only if it holds the files now, naming the missing ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-crds-"));
        const [missing] = reasons(dir);
        expect(missing).toMatch(/lacks agents\.x-k8s\.io_sandboxes\.yaml, extensions\.agents\.x-k8s\.io_sandboxtemplates\.yaml/);
        for (const f of AGENT_SANDBOX_CRD_FILES) fs.writeFileSync(path.join(dir, f), "");
        expect(reasons(dir)).toEqual([]);
        const snapshot = validateSpec(withChange((s) => (s.storage = { snapshotCrdSource: dir }))).find((p) => p.path === "storage.snapshotCrdSource");
        expect(snapshot?.reason).toMatch(/lacks snapshot\.storage\.k8s\.io_volumesnapshotclasses\.yaml/);
    });
});

describe("values a person naturally writes", () => {
    it("take cpu and memory as numbers where Kubernetes does", () => {
        const spec = withChange((s) => {
            s.templates![0].cpu = 2;
            s.templates![0].memory = 4294967296;
            s.sandboxNamespace = { cpuQuota: 32 };
        });
        expect(validateSpec(spec)).toEqual([]);
        const resolved = resolveSpec(spec);
        expect([resolved.templates[0].cpu, resolved.templates[0].memory, resolved.sandboxNamespace.cpuQuota]).toEqual(["2", "4294967296", "32"]);
        expect(validateSpec(withChange((s) => (s.templates![0].cpu = 0)))[0]).toMatchObject({ path: "templates[0].cpu" });
    });
});
