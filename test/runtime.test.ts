// SandboxRuntime under Pulumi mocks, built as a customer's program would: every object it registers,
// with the fields sandbox isolation and hardening depend on.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { ClusterFacts, existingClusterFacts, Isolation, PlatformSpec, resolveSpec, SandboxRuntime } from "../components";
import { PlannedResource, PlanRecorder } from "../scripts/mocks";
import { AGENT_SANDBOX_CRD_FILES } from "../components/kubernetes/controlPlane";

// A local CRD mirror (the validator checks that its files exist at plan time).
const MIRROR = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-crd-mirror-"));
/** A digest the mirror would serve (any well-formed one: the plan only carries it into the image reference). */
const CONTROLLER_DIGEST = `sha256:${"0".repeat(63)}1`;
for (const file of AGENT_SANDBOX_CRD_FILES) fs.writeFileSync(path.join(MIRROR, file), "");

const spec: PlatformSpec = {
    target: "kubernetes",
    name: "acme",
    sandboxPools: [
        { name: "gv-a", isolation: "gvisor" },
        { name: "gv-b", isolation: "gvisor", spot: true },
        { name: "vm", isolation: "kata" },
    ],
    gpuPools: [{ name: "l4", isolation: "gvisor", acceleratorType: "nvidia-l4" }],
    cluster: { storageProvisioner: "pd.csi.storage.gke.io", storageParameters: { type: "pd-balanced" }, apiServerCidrs: ["203.0.113.10/32"] },
    controlPlane: { imageRegistry: "mirror.example.com/k8s", crdSource: MIRROR, controllerImageDigest: CONTROLLER_DIGEST },
    templates: [
        { name: "py", image: "python:3.12-slim", isolation: "gvisor", warmPoolSize: 3, memory: "4Gi" },
        { name: "vm", image: "python:3.12-slim", isolation: "kata", egress: "none", volumeSizeGb: 0 },
        { name: "cuda", image: "nvcr.io/nvidia/cuda:12.4.0-base-ubuntu22.04", isolation: "gvisor", gpu: 1 },
    ],
};

let recorder: PlanRecorder;
let resources: PlannedResource[] = [];
const byType = (type: string) => resources.filter((r) => r.type === type);
const named = (type: string, name: string) => {
    const found = byType(type).filter((r) => r.name === name);
    expect(found).toHaveLength(1);
    return found[0].inputs as any;
};

beforeAll(async () => {
    recorder = await PlanRecorder.install("cloister", "test");
    const facts: ClusterFacts = {
        ...existingClusterFacts(resolveSpec(spec)),
        controllerServiceAccountAnnotations: { "iam.example.com/role": "controller" },
        controllerPodLabels: { "identity.example.com/use": "true" },
    };
    const runtime = new SandboxRuntime("rt", { spec, facts });
    await new Promise((resolve) => runtime.warmPoolNames.apply(resolve));
    await new Promise((r) => setTimeout(r, 200));
    resources = recorder.resources();
});

describe("runtime classes", () => {
    it("creates one class per isolation, selecting the labels its pools share and tolerating their taints", () => {
        const gvisor = named("kubernetes:node.k8s.io/v1:RuntimeClass", "rt-runtime-gvisor");
        expect(gvisor.handler).toBe("runsc");
        // gv-a, gv-b and the GPU pool differ in pool name; only the isolation label is shared.
        expect(gvisor.scheduling.nodeSelector).toEqual({ "cloister.dev/isolation": "gvisor" });
        expect(gvisor.scheduling.tolerations).toEqual([
            { key: "cloister.dev/isolation", operator: "Equal", value: "gvisor", effect: "NoSchedule" },
        ]);
        expect(gvisor.overhead.podFixed).toEqual({ cpu: "100m", memory: "128Mi" });
        const kata = named("kubernetes:node.k8s.io/v1:RuntimeClass", "rt-runtime-kata");
        expect(kata.scheduling.nodeSelector).toEqual({ "cloister.dev/pool": "vm", "cloister.dev/isolation": "kata" });
        expect(byType("kubernetes:node.k8s.io/v1:RuntimeClass")).toHaveLength(2);
    });
});

describe("computed values", () => {
    it("puts a computed image and storage parameter where the plain ones go", async () => {
        // Values a program computes elsewhere: an image from a build, a key from another stack.
        const computed: PlatformSpec = {
            ...spec,
            name: "computed",
            sandboxNamespace: { name: "computed-sandboxes" },
            cluster: { ...spec.cluster, storageParameters: { type: "pd-balanced", "disk-encryption-kms-key": pulumi.output("projects/p/locations/l/keyRings/r/cryptoKeys/k") } },
            templates: [{ name: "py", image: pulumi.output("registry.example.com/py@sha256:0123"), isolation: "gvisor" }],
        };
        const runtime = new SandboxRuntime("computed", { spec: computed, facts: existingClusterFacts(resolveSpec(computed)) });
        await new Promise((resolve) => runtime.warmPoolNames.apply(resolve));
        await new Promise((r) => setTimeout(r, 200));
        const computedResources = recorder.resources().filter((r) => r.name.startsWith("computed-"));
        const template = computedResources.find((r) => r.type === "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate")!.inputs as any;
        expect(template.spec.podTemplate.spec.containers[0].image).toBe("registry.example.com/py@sha256:0123");
        const storageClass = computedResources.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!.inputs as any;
        expect(storageClass.parameters["disk-encryption-kms-key"]).toBe("projects/p/locations/l/keyRings/r/cryptoKeys/k");
    });
});

describe("storage", () => {
    it("binds volumes where the sandbox lands, deletes them with their sandbox by default and lets them grow", () => {
        const sc = named("kubernetes:storage.k8s.io/v1:StorageClass", "rt-volumes");
        expect(sc).toMatchObject({
            provisioner: "pd.csi.storage.gke.io",
            parameters: { type: "pd-balanced" },
            volumeBindingMode: "WaitForFirstConsumer",
            // Upstream owns per-sandbox volumes: Retain would leave a billed disk behind per deleted sandbox.
            reclaimPolicy: "Delete",
            allowVolumeExpansion: true,
        });
        const vsc = named("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass", "rt-snapshots");
        expect(vsc.driver).toBe("pd.csi.storage.gke.io");
        expect(vsc.deletionPolicy).toBe("Delete");
    });
});

describe("control plane", () => {
    it("applies the four agent-sandbox CRDs from the configured source", () => {
        const files = byType("kubernetes:yaml/v2:ConfigFile").map((r) => (r.inputs as any).file).sort();
        expect(files).toEqual([...AGENT_SANDBOX_CRD_FILES].sort().map((f) => `${MIRROR}/${f}`));
    });

    it("runs a hardened, highly available controller from the mirrored image", () => {
        const d = named("kubernetes:apps/v1:Deployment", "rt-controller");
        expect(d.spec.replicas).toBe(2);
        const pod = d.spec.template.spec;
        const [c] = pod.containers;
        // Tag and digest: a moved tag or a mirror cannot swap the image.
        expect(c.image).toMatch(/^mirror\.example\.com\/k8s\/agent-sandbox\/agent-sandbox-controller:v1\.0\.\d+@sha256:0{63}1$/);
        expect(c.args).toEqual(expect.arrayContaining(["--leader-elect=true", "--extensions"]));
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
        expect(c.securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
        expect(d.metadata.annotations ?? {}).not.toHaveProperty("pulumi.com/skipAwait");
        expect(d.spec.template.metadata.labels).toMatchObject({ "identity.example.com/use": "true" });
        const resourcesDependedOn = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "rt-controller")!.dependsOn;
        expect(resourcesDependedOn).toEqual(expect.arrayContaining(["kubernetes:yaml/v2:ConfigFile::rt-crd-sandboxes"]));
    });

    it("carries the cloud identity on the controller's ServiceAccount and binds it to the controller role", () => {
        const sa = named("kubernetes:core/v1:ServiceAccount", "rt-controller");
        expect(sa.metadata.annotations).toEqual({ "iam.example.com/role": "controller" });
        const binding = named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "rt-controller");
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "agent-sandbox-controller", namespace: "agent-sandbox-system" }]);
        const role = named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "rt-controller");
        const granted = role.rules.flatMap((r: any) => r.resources);
        expect(granted).toEqual(expect.arrayContaining(["sandboxes", "sandboxtemplates", "sandboxwarmpools", "sandboxclaims", "leases"]));
        expect(granted).not.toContain("secrets");
        const pdb = named("kubernetes:policy/v1:PodDisruptionBudget", "rt-controller");
        expect(pdb.spec.minAvailable).toBe(1);
    });
});

describe("sandbox namespace", () => {
    it("enforces Pod Security restricted on both namespaces", () => {
        for (const name of ["rt-sandboxes", "rt-control-plane"]) {
            const ns = named("kubernetes:core/v1:Namespace", name);
            expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        }
    });

    it("marks both namespaces with the owning stack and applies the CRDs only after claiming the control namespace", () => {
        for (const name of ["rt-sandboxes", "rt-control-plane"]) {
            expect(named("kubernetes:core/v1:Namespace", name).metadata.annotations["cloister.dev/owned-by-stack"]).toBe("cloister/test");
        }
        for (const crd of byType("kubernetes:yaml/v2:ConfigFile")) expect(crd.dependsOn).toContain("kubernetes:core/v1:Namespace::rt-control-plane");
    });

    it("keeps the sandbox namespace (and the volumes in it) and the CRDs (and every sandbox) when the stack is deleted", () => {
        const ns = resources.find((r) => r.name === "rt-sandboxes")!;
        expect(ns.options.retainOnDelete).toBe(true);
        const crds = byType("kubernetes:yaml/v2:ConfigFile");
        expect(crds).toHaveLength(4);
        for (const crd of crds) expect(crd.options.retainOnDelete, crd.name).toBe(true);
    });

    it("bounds the namespace with a quota including GPUs", () => {
        const quota = named("kubernetes:core/v1:ResourceQuota", "rt-sandbox-quota");
        expect(quota.spec.hard).toMatchObject({
            "requests.cpu": "64",
            "requests.memory": "256Gi",
            pods: "200",
            "requests.nvidia.com/gpu": "8",
            "requests.ephemeral-storage": "400Gi",
            "limits.ephemeral-storage": "400Gi",
        });
        const [container] = named("kubernetes:core/v1:LimitRange", "rt-sandbox-limits").spec.limits;
        expect(container.default["ephemeral-storage"]).toBe("2Gi");
        expect(container.max["ephemeral-storage"]).toBeDefined();
    });

    it("denies all traffic by default, gives DNS to internet sandboxes only and admits the router on the sandbox port", () => {
        const deny = named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "rt-default-deny");
        expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const dns = named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "rt-allow-dns");
        expect(dns.spec.egress[0].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        // egress: none means none: no DNS either (no tunnel, no Service discovery).
        expect(dns.spec.podSelector).toEqual({ matchLabels: { "cloister.dev/egress": "internet" } });
        const router = named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "rt-allow-router");
        expect(router.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "agent-sandbox-system" });
        expect(router.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 8888 }]);
    });

    it("lets internet-mode sandboxes out but never to metadata, identity endpoints, private ranges or the API server", () => {
        const egress = named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "rt-allow-internet-egress");
        expect(egress.spec.podSelector.matchLabels).toEqual({ "cloister.dev/egress": "internet" });
        const [v4, v6] = egress.spec.egress[0].to.map((t: any) => t.ipBlock);
        expect(v4.cidr).toBe("0.0.0.0/0");
        expect(v4.except).toEqual(
            expect.arrayContaining(["169.254.0.0/16", "168.63.129.16/32", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.10/32"]),
        );
        expect(v6.cidr).toBe("::/0");
        expect(v6.except).toEqual(expect.arrayContaining(["fd00:ec2::254/128", "fd20:ce::254/128", "fc00::/7", "fe80::/10"]));
    });
});

describe("templates and warm pools", () => {
    it("runs each template under its isolation's RuntimeClass with no token and a restricted pod", () => {
        const py = named("kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate", "rt-template-py");
        const pod = py.spec.podTemplate.spec;
        expect(pod.runtimeClassName).toBe("acme-gvisor");
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(pod.containers[0].securityContext.capabilities).toEqual({ drop: ["ALL"] });
        expect(pod.containers[0].resources.limits).toEqual({ cpu: "1", memory: "4Gi", "ephemeral-storage": "2Gi" });
        // Without command/args the image's own entrypoint runs; the runtime API port gates readiness.
        expect(pod.containers[0].command).toBeUndefined();
        expect(pod.containers[0].ports).toEqual([{ name: "sandbox", containerPort: 8888, protocol: "TCP" }]);
        expect(pod.containers[0].readinessProbe.tcpSocket).toEqual({ port: 8888 });
        expect(py.spec.networkPolicyManagement).toBe("Unmanaged");
        expect(py.spec.podTemplate.metadata.labels["cloister.dev/egress"]).toBe("internet");
        expect(py.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: "acme-volumes", resources: { requests: { storage: "10Gi" } } });
        const vm = named("kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate", "rt-template-vm");
        expect(vm.spec.podTemplate.spec.runtimeClassName).toBe("acme-kata");
        expect(vm.spec.podTemplate.metadata.labels["cloister.dev/egress"]).toBe("none");
        expect(vm.spec.volumeClaimTemplates).toBeUndefined();
    });

    it("sends GPU templates to GPU nodes with the GPU toleration and limit", () => {
        const cuda = named("kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate", "rt-template-cuda").spec.podTemplate.spec;
        expect(cuda.runtimeClassName).toBe("acme-gvisor");
        expect(cuda.nodeSelector).toEqual({ "cloister.dev/pool": "l4", "cloister.dev/isolation": "gvisor", "cloister.dev/accelerator": "nvidia-l4" });
        expect(cuda.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        expect(cuda.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    });

    it("selects the labels a declared GPU pool really carries", async () => {
        // An existing cluster's GPU nodes carry what their owner gave them, not Cloister's accelerator label.
        const declared = {
            ...spec,
            name: "gpu",
            gpuPools: [{ name: "a100", isolation: "gvisor" as const, acceleratorType: "nvidia-a100", nodeLabels: { "cloister.dev/isolation": "gvisor", "gpu.example.com/model": "a100" } }],
            templates: [{ name: "train", image: "img", isolation: "gvisor" as const, gpu: 1 }],
        };
        new SandboxRuntime("gpu", { spec: declared, facts: existingClusterFacts(resolveSpec(declared)) });
        await new Promise((r) => setTimeout(r, 100));
        const train = recorder.resources().find((r) => r.name === "gpu-template-train")!.inputs as any;
        expect(train.spec.podTemplate.spec.nodeSelector).toEqual({ "cloister.dev/isolation": "gvisor", "gpu.example.com/model": "a100" });
    });

    it("gives every template a warm pool, so every template can be claimed, replacing outdated warm sandboxes", () => {
        const pools = byType("kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxWarmPool").map((p) => (p.inputs as any));
        expect(pools.map((p) => [p.metadata.name, p.spec.sandboxTemplateRef.name, p.spec.replicas]).sort()).toEqual([
            ["cuda-warm", "cuda", 0],
            ["py-warm", "py", 3],
            ["vm-warm", "vm", 0],
        ]);
        for (const p of pools) expect(p.spec.updateStrategy).toEqual({ type: "Recreate" });
    });

    it("runs a template's own command and arguments on its port", async () => {
        const custom = { ...spec, name: "cmd", templates: [{ name: "web", image: "img", isolation: "gvisor" as const, command: ["python3", "-m"], args: ["http.server", "9000"], port: 9000 }] };
        new SandboxRuntime("cmd", { spec: custom, facts: existingClusterFacts(resolveSpec(custom)) });
        await new Promise((r) => setTimeout(r, 100));
        const web = recorder.resources().find((r) => r.name === "cmd-template-web")!.inputs as any;
        const [c] = web.spec.podTemplate.spec.containers;
        expect([c.command, c.args, c.ports[0].containerPort, c.readinessProbe.tcpSocket.port]).toEqual([["python3", "-m"], ["http.server", "9000"], 9000, 9000]);
        const router = recorder.resources().find((r) => r.name === "cmd-allow-router")!.inputs as any;
        expect(router.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 9000 }]);
    });
});

describe("router", () => {
    it("runs upstream's router hardened, highly available and authenticated by TokenReview with its own audience", () => {
        const d = named("kubernetes:apps/v1:Deployment", "rt-router");
        expect(d.spec.replicas).toBe(2);
        const [c] = d.spec.template.spec.containers;
        expect(c.image).toMatch(/^mirror\.example\.com\/k8s\/agent-sandbox\/sandbox-router-go:v1\.0\.\d+$/);
        expect(c.args).toEqual(
            expect.arrayContaining(["--authz-mode=tokenreview", "--authz-tokenreview-require-token=true", "--authz-tokenreview-audiences=sandbox-router", "--cache-namespace=sandboxes"]),
        );
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
        expect(d.spec.template.metadata.labels.app).toBe("sandbox-router");
        const svc = named("kubernetes:core/v1:Service", "rt-router");
        expect([svc.metadata.name, svc.spec.ports[0].port]).toEqual(["sandbox-router-svc", 8080]);
        expect(named("kubernetes:policy/v1:PodDisruptionBudget", "rt-router").spec.minAvailable).toBe(1);
    });

    it("grants the router only the sandbox namespace's pods (read) and TokenReviews", () => {
        const pods = named("kubernetes:rbac.authorization.k8s.io/v1:Role", "rt-router-pods");
        expect(pods.metadata.namespace).toBe("sandboxes");
        expect(pods.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
        const reviews = named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "rt-router-tokenreview");
        expect(reviews.rules).toEqual([{ apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] }]);
    });

    it("offers SDK hosts a Role for claims in the sandbox namespace, and nothing more", () => {
        const role = named("kubernetes:rbac.authorization.k8s.io/v1:Role", "rt-sandbox-client");
        expect(role.metadata).toMatchObject({ name: "sandbox-client", namespace: "sandboxes" });
        const writes = role.rules.filter((r: any) => r.verbs.includes("create"));
        expect(writes).toEqual([expect.objectContaining({ resources: ["sandboxclaims"] })]);
        expect(role.rules.flatMap((r: any) => r.resources)).not.toContain("pods");
    });

    it("runs without authentication only when the spec asks for allow-all", async () => {
        const open = { ...spec, name: "open", controlPlane: { ...spec.controlPlane, routerAuth: "allow-all" as const } };
        new SandboxRuntime("open", { spec: open, facts: existingClusterFacts(resolveSpec(open)) });
        await new Promise((r) => setTimeout(r, 100));
        const d = recorder.resources().find((r) => r.name === "open-router" && r.type === "kubernetes:apps/v1:Deployment")!.inputs as any;
        expect(d.spec.template.spec.containers[0].args).toContain("--authz-mode=allow-all");
        expect(recorder.resources().some((r) => r.name === "open-router-tokenreview")).toBe(false);
    });
});

describe("control-plane namespace policies", () => {
    const policy = (n: string) => named("kubernetes:networking.k8s.io/v1:NetworkPolicy", `rt-control-${n}`).spec;

    it("denies everything by default and lets both components reach only DNS and the API server", () => {
        expect(policy("default-deny")).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(policy("allow-dns").egress[0].to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
        const api = policy("allow-api-server").egress[0];
        expect(api.to).toEqual([{ ipBlock: { cidr: "203.0.113.10/32" } }]);
        expect(api.ports).toEqual([{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }]);
    });

    it("admits clients to the router's proxy port and lets the router reach only the sandboxes' ports", () => {
        const clients = policy("allow-router-clients");
        expect(clients.podSelector.matchLabels.app).toBe("sandbox-router");
        expect(clients.ingress).toEqual([{ ports: [{ protocol: "TCP", port: 8080 }] }]);
        const out = policy("allow-router-to-sandboxes").egress[0];
        expect(out.to[0].namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "sandboxes" });
        expect(out.ports).toEqual([{ protocol: "TCP", port: 8888 }]);
    });

    it("opens metrics only to a configured monitoring namespace", async () => {
        expect(resources.some((r) => r.name.includes("metrics") && r.type.endsWith("NetworkPolicy"))).toBe(false);
        const watched = { ...spec, name: "mon", controlPlane: { ...spec.controlPlane, monitoringNamespace: "monitoring" } };
        new SandboxRuntime("mon", { spec: watched, facts: existingClusterFacts(resolveSpec(watched)) });
        await new Promise((r) => setTimeout(r, 100));
        const metrics = recorder.resources().find((r) => r.name === "mon-control-allow-controller-metrics")!.inputs as any;
        expect(metrics.spec.ingress[0]).toEqual({
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
            ports: [{ protocol: "TCP", port: 8080 }],
        });
    });
});

describe("admission by the API server", () => {
    it("binds a policy for pods and one for Sandboxes/SandboxTemplates to the sandbox namespace, denying", () => {
        for (const kind of ["pods", "sandboxes"]) {
            const binding = named("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding", `rt-admission-${kind}`);
            expect(binding.spec.validationActions).toEqual(["Deny"]);
            expect(binding.spec.matchResources.namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "sandboxes" });
            const policy = named("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", `rt-admission-${kind}`);
            expect(policy.spec.failurePolicy).toBe("Fail");
            expect(policy.spec.validations.map((v: any) => v.message).join("\n")).toMatch(/RuntimeClass[\s\S]*network, PID or IPC[\s\S]*hostPath[\s\S]*privileged[\s\S]*ServiceAccount token/);
            expect(policy.spec.validations[0].expression).toContain('["acme-gvisor","acme-kata"]');
        }
        const sandboxes = named("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", "rt-admission-sandboxes");
        expect(sandboxes.spec.matchConstraints.resourceRules.map((r: any) => r.resources[0])).toEqual(["sandboxes", "sandboxtemplates"]);
    });
});

describe("validation", () => {
    it("throws every problem as one InputPropertiesError before registering anything", async () => {
        let error: unknown;
        try {
            new SandboxRuntime("bad", { spec: { ...spec, name: "Bad Name", templates: [{ name: "x", image: "i", isolation: "kata", cpu: "-1" }] }, facts: existingClusterFacts(resolveSpec(spec)) });
        } catch (e) {
            error = e;
        }
        expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
        const paths = (error as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath);
        // Library errors name the path from the args.
        expect(paths).toEqual(expect.arrayContaining(["spec.name", "spec.templates[0].cpu"]));
        await new Promise((r) => setTimeout(r, 100));
        expect(recorder.resources().filter((r) => r.name.startsWith("bad"))).toEqual([]);
    });

    it("refuses a template whose isolation the cluster offers no RuntimeClass for", () => {
        const facts = { ...existingClusterFacts(resolveSpec(spec)), runtimeClasses: [] };
        expect(() => new SandboxRuntime("nofacts", { spec, facts })).toThrow(/spec\.templates\[0\]\.isolation: the cluster offers no "gvisor" RuntimeClass/);
    });

    it("places templates on the pools of hand-written facts, which the spec need not repeat", () => {
        const cpuOnly: PlatformSpec = { ...spec, gpuPools: [], templates: spec.templates!.filter((t) => !t.gpu) };
        const facts = existingClusterFacts(resolveSpec(cpuOnly));
        const gpuFacts = { ...facts, pools: [...facts.pools, { name: "l4", isolation: Isolation.Gvisor, labels: {}, taints: [], acceleratorType: "nvidia-l4", acceleratorCount: 1 }] };
        const gpuTemplate = { name: "cuda", image: "i", isolation: "gvisor" as const, gpu: 1 };
        // The GPU pool is in the facts only: accepted.
        expect(() => new SandboxRuntime("factpools", { spec: { ...cpuOnly, templates: [...cpuOnly.templates!, gpuTemplate] }, facts: gpuFacts })).not.toThrow();
        // Two GPUs per sandbox, but the facts' pool carries one: refused, naming the facts.
        expect(() => new SandboxRuntime("factgpus", { spec: { ...cpuOnly, templates: [{ ...gpuTemplate, gpu: 2 }] }, facts: gpuFacts })).toThrow(
            /spec\.templates\[0\]\.gpu: the template asks for 2 GPU\(s\) but no "gvisor" GPU pool has that many per node/,
        );
        // No GPU pool in the facts at all.
        expect(() => new SandboxRuntime("factnogpu", { spec: { ...cpuOnly, templates: [gpuTemplate] }, facts })).toThrow(/the cluster needs a pool \(facts\.pools\)/);
    });
});
