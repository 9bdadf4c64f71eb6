// In-cluster rules: sandbox templates and pods, sandbox namespaces, the controller, RuntimeClasses.
// They hold for any cluster and any cloud, whoever created the objects.
import { PolicyResource } from "@pulumi/policy";
import { CONTROLLER_NAME, PSA_RESTRICTED } from "../../components/kubernetes/controlPlane";
import { METADATA_CIDRS_V4, METADATA_CIDRS_V6 } from "../../components/kubernetes/facts";
import { LABEL_ISOLATION } from "../../components/spec/defaults";
import {
    asArray,
    asRecord,
    cidrContains,
    CloisterPolicy,
    CloisterResourcePolicy,
    CloisterStackPolicy,
    DEFAULT_ENFORCEMENT,
    describe,
    forTypes,
    get,
    isFalse,
    isTrue,
    nonEmptyString,
    ofTypes,
    overlaps,
    parseCidr,
} from "./common";

export const SANDBOX_TEMPLATE = /^kubernetes:extensions\.agents\.x-k8s\.io\/[^:]+:SandboxTemplate$/;
export const SANDBOX = /^kubernetes:agents\.x-k8s\.io\/[^:]+:Sandbox$/;
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** The Pod Security level label and value every sandbox namespace must carry (the runtime's own constant). */
const PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
const PSA_ENFORCE_LEVEL = PSA_RESTRICTED[PSA_ENFORCE_LABEL];

/** The metadata and identity ranges sandboxes must not reach: the runtime's own list. */
export const METADATA_RANGES = [...METADATA_CIDRS_V4, ...METADATA_CIDRS_V6];

const podSpecOf = (props: Record<string, any>) => asRecord(get(props, "spec.podTemplate.spec"));
const namespaceOf = (props: Record<string, any>): string => get(props, "metadata.namespace") ?? "default";
const allContainers = (pod: Record<string, any>) => [
    ...asArray(pod.containers),
    ...asArray(pod.initContainers),
    ...asArray(pod.ephemeralContainers),
];

export const sandboxRuntimeClass: CloisterResourcePolicy = {
    name: "k8s-sandbox-runtime-class",
    description: describe(
        "A SandboxTemplate (or Sandbox) must name a RuntimeClass, so its pods run under gVisor or Kata on a sandbox pool instead of the node's default runtime.",
        "set spec.podTemplate.spec.runtimeClassName to the isolation's RuntimeClass (SandboxRuntime does this from the template's `isolation`).",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([SANDBOX_TEMPLATE, SANDBOX], (props, _args, report) => {
        if (!nonEmptyString(podSpecOf(props).runtimeClassName)) {
            report("spec.podTemplate.spec.runtimeClassName is not set: the sandbox would run on the default runtime (runc), unisolated.");
        }
    }),
};

/** Every reason a sandbox pod spec breaks isolation; empty when it is fine. */
export function sandboxPodProblems(pod: Record<string, any>): string[] {
    const problems: string[] = [];
    if (!isFalse(pod.automountServiceAccountToken)) {
        problems.push("automountServiceAccountToken must be false: a sandbox must not hold a Kubernetes API token");
    }
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (isTrue(pod[field])) problems.push(`${field} must not be true`);
    }
    for (const volume of asArray(pod.volumes)) {
        if (volume?.hostPath !== undefined) problems.push(`volume "${volume?.name}" mounts a hostPath`);
    }
    for (const c of allContainers(pod)) {
        if (isTrue(get(c, "securityContext.privileged"))) problems.push(`container "${c?.name}" is privileged`);
    }
    return problems;
}

export const sandboxPodHardening: CloisterResourcePolicy = {
    name: "k8s-sandbox-pod-hardening",
    description: describe(
        "Sandbox pods (SandboxTemplate or Sandbox pod templates) get no ServiceAccount token, no host namespaces (hostNetwork, hostPID, hostIPC), no hostPath volumes and no privileged containers.",
        "set spec.podTemplate.spec.automountServiceAccountToken: false and remove hostNetwork/hostPID/hostIPC, hostPath volumes and securityContext.privileged from the pod template.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateResource: forTypes([SANDBOX_TEMPLATE, SANDBOX], (props, _args, report) => {
        for (const problem of sandboxPodProblems(podSpecOf(props))) report(`spec.podTemplate.spec: ${problem}.`);
    }),
};

/** The namespaces that hold sandbox templates or sandboxes in this stack. */
export function sandboxNamespaces(resources: PolicyResource[]): string[] {
    return [...new Set(ofTypes(resources, [SANDBOX_TEMPLATE, SANDBOX]).map((r) => namespaceOf(r.props)))];
}

export const sandboxNamespacePodSecurity: CloisterStackPolicy = {
    name: "k8s-sandbox-namespace-pod-security",
    description: describe(
        `Every namespace holding SandboxTemplates or Sandboxes is managed by the stack and enforces Pod Security "${PSA_ENFORCE_LEVEL}".`,
        `label the Namespace ${PSA_ENFORCE_LABEL}: ${PSA_ENFORCE_LEVEL} (SandboxRuntime's sandbox namespace does), and create templates only in namespaces the stack manages.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateStack: (args, report) => {
        const namespaces = ofTypes(args.resources, [NAMESPACE]);
        for (const ns of sandboxNamespaces(args.resources)) {
            const found = namespaces.filter((n) => get(n.props, "metadata.name") === ns);
            if (found.length === 0) {
                report(`namespace "${ns}" holds sandbox templates but is not managed by this stack, so its Pod Security level cannot be checked.`);
                continue;
            }
            for (const n of found) {
                const level = get(n.props, `metadata.labels`)?.[PSA_ENFORCE_LABEL];
                if (level !== PSA_ENFORCE_LEVEL) {
                    report(`namespace "${ns}" enforces Pod Security ${JSON.stringify(level ?? "none")}, not "${PSA_ENFORCE_LEVEL}".`, n.urn);
                }
            }
        }
    },
};

const selectsAllPods = (policy: Record<string, any>) => {
    const selector = asRecord(get(policy, "spec.podSelector"));
    return Object.keys(asRecord(selector.matchLabels)).length === 0 && asArray(selector.matchExpressions).length === 0;
};

const restrictsEgress = (policy: Record<string, any>) => {
    const types = get(policy, "spec.policyTypes");
    // Without policyTypes, Kubernetes infers Egress only when egress rules are present.
    return Array.isArray(types) ? types.includes("Egress") : Array.isArray(get(policy, "spec.egress"));
};

/**
 * What an ipBlock lets through of the metadata ranges: for each metadata range the block overlaps,
 * the overlap must be excepted. Returns the ranges left reachable (and any unreadable CIDR).
 */
export function reachableMetadata(ipBlock: { cidr?: unknown; except?: unknown }): string[] {
    const cidr = parseCidr(ipBlock?.cidr);
    if (!cidr) return [`unparseable cidr ${JSON.stringify(ipBlock?.cidr)}`];
    const excepts = asArray(ipBlock.except).map(parseCidr);
    const reachable: string[] = [];
    for (const range of METADATA_RANGES) {
        const metadata = parseCidr(range)!;
        if (!overlaps(cidr, metadata)) continue;
        // Two CIDRs that overlap nest: the overlap is the narrower one.
        const overlap = cidr.prefix >= metadata.prefix ? cidr : metadata;
        if (!excepts.some((e) => e && cidrContains(e, overlap))) reachable.push(range);
    }
    return reachable;
}

export const sandboxNamespaceEgress: CloisterStackPolicy = {
    name: "k8s-sandbox-namespace-egress",
    description: describe(
        `Every namespace holding SandboxTemplates or Sandboxes restricts egress with a NetworkPolicy selecting all pods, and no NetworkPolicy there lets sandboxes reach the cloud metadata and identity endpoints (${METADATA_RANGES.join(", ")}): each ipBlock that covers them (e.g. 0.0.0.0/0, ::/0) lists them in except, and no egress rule allows every destination.`,
        `keep SandboxRuntime's default-deny and allow-internet-egress policies; in your own policies add ${METADATA_RANGES.join(", ")} to the except list of every 0.0.0.0/0 or ::/0 ipBlock, and give each egress rule explicit 'to' peers.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "critical",
    validateStack: (args, report) => {
        const policies = ofTypes(args.resources, [NETWORK_POLICY]);
        for (const ns of sandboxNamespaces(args.resources)) {
            const inNs = policies.filter((p) => namespaceOf(p.props) === ns);
            if (!inNs.some((p) => selectsAllPods(p.props) && restrictsEgress(p.props))) {
                report(`namespace "${ns}" holds sandbox templates but no NetworkPolicy restricts egress for all its pods: sandboxes can reach every address, metadata endpoints included.`);
            }
            for (const p of inNs) {
                const name = get(p.props, "metadata.name") ?? p.name;
                asArray(get(p.props, "spec.egress")).forEach((rule, i) => {
                    const to = asArray(rule?.to);
                    if (to.length === 0) {
                        report(`NetworkPolicy "${ns}/${name}" egress[${i}] has no 'to' peers, so it allows every destination, metadata endpoints included.`, p.urn);
                    }
                    to.forEach((peer, j) => {
                        if (!peer?.ipBlock) return;
                        const reachable = reachableMetadata(peer.ipBlock);
                        if (reachable.length > 0) {
                            report(`NetworkPolicy "${ns}/${name}" egress[${i}].to[${j}].ipBlock ${peer.ipBlock.cidr} lets sandboxes reach ${reachable.join(", ")}: add them to its except list.`, p.urn);
                        }
                    });
                });
            }
        }
    },
};

/** Every reason a controller pod spec is not hardened; empty when it is. */
export function controllerPodProblems(pod: Record<string, any>): string[] {
    const problems: string[] = [];
    const podContext = asRecord(pod.securityContext);
    const containers = [...asArray(pod.containers), ...asArray(pod.initContainers)];
    if (containers.length === 0) problems.push("the pod template has no containers");
    for (const c of containers) {
        const sc = asRecord(c?.securityContext);
        const at = `container "${c?.name}"`;
        if (!isTrue(sc.runAsNonRoot ?? podContext.runAsNonRoot)) problems.push(`${at}: runAsNonRoot must be true`);
        if ((sc.runAsUser ?? podContext.runAsUser) === 0) problems.push(`${at}: runAsUser must not be 0`);
        if (!isTrue(sc.readOnlyRootFilesystem)) problems.push(`${at}: readOnlyRootFilesystem must be true`);
        if (!isFalse(sc.allowPrivilegeEscalation)) problems.push(`${at}: allowPrivilegeEscalation must be false`);
        if (isTrue(sc.privileged)) problems.push(`${at}: must not be privileged`);
        if (!asArray(get(sc, "capabilities.drop")).includes("ALL")) problems.push(`${at}: capabilities.drop must include "ALL"`);
        if (asArray(get(sc, "capabilities.add")).length > 0) problems.push(`${at}: must add no capabilities`);
        const seccomp = get(sc, "seccompProfile.type") ?? get(podContext, "seccompProfile.type");
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${at}: seccompProfile.type must be RuntimeDefault or Localhost`);
    }
    return problems;
}

export const controllerHardened: CloisterResourcePolicy = {
    name: "k8s-controller-hardened",
    description: describe(
        `The agent-sandbox controller Deployment ("${CONTROLLER_NAME}") runs hardened: non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault.`,
        "set on every container securityContext { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [\"ALL\"] }, seccompProfile: { type: \"RuntimeDefault\" } } (SandboxRuntime's controller does); mount an emptyDir where it must write.",
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateResource: forTypes([DEPLOYMENT], (props, args, report) => {
        const isController =
            get(props, "metadata.name") === CONTROLLER_NAME || get(props, "metadata.labels")?.["app.kubernetes.io/name"] === CONTROLLER_NAME;
        if (!isController) return args.notApplicable(`applies only to the ${CONTROLLER_NAME} Deployment`);
        for (const problem of controllerPodProblems(asRecord(get(props, "spec.template.spec")))) report(`${problem}.`);
    }),
};

export const runtimeClassScheduling: CloisterStackPolicy = {
    name: "k8s-runtime-class-scheduling",
    description: describe(
        `A RuntimeClass for sandbox isolation (labelled ${LABEL_ISOLATION}, or named by a SandboxTemplate in the stack) carries scheduling: a nodeSelector for its sandbox pools and tolerations for their taints, so a template only names the class and still lands on an isolated pool.`,
        `set scheduling.nodeSelector (e.g. ${LABEL_ISOLATION}: gvisor) and scheduling.tolerations for the pools' NoSchedule taints on the RuntimeClass.`,
    ),
    enforcementLevel: DEFAULT_ENFORCEMENT,
    severity: "high",
    validateStack: (args, report) => {
        const named = new Set(
            ofTypes(args.resources, [SANDBOX_TEMPLATE, SANDBOX])
                .map((t) => podSpecOf(t.props).runtimeClassName)
                .filter(nonEmptyString),
        );
        for (const rc of ofTypes(args.resources, [RUNTIME_CLASS])) {
            const name = get(rc.props, "metadata.name");
            const labelled = get(rc.props, "metadata.labels")?.[LABEL_ISOLATION] !== undefined;
            if (!labelled && !named.has(name)) continue;
            if (Object.keys(asRecord(get(rc.props, "scheduling.nodeSelector"))).length === 0) {
                report(`RuntimeClass "${name ?? rc.name}" has no scheduling.nodeSelector: sandboxes using it could land on any node.`, rc.urn);
            }
            if (asArray(get(rc.props, "scheduling.tolerations")).length === 0) {
                report(`RuntimeClass "${name ?? rc.name}" has no scheduling.tolerations: sandboxes using it cannot land on tainted sandbox pools.`, rc.urn);
            }
        }
    },
};

export const kubernetesPolicies: CloisterPolicy[] = [
    sandboxRuntimeClass,
    sandboxPodHardening,
    sandboxNamespacePodSecurity,
    sandboxNamespaceEgress,
    controllerHardened,
    runtimeClassScheduling,
];
