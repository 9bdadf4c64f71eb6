// Admission enforced by the API server itself, for sandboxes created by any client (an SDK, kubectl, a
// hand-written program): a ValidatingAdmissionPolicy refuses a Pod, Sandbox or SandboxTemplate in the
// sandbox namespace that names no Cloister RuntimeClass, uses host namespaces or hostPath, runs a
// privileged container or mounts a ServiceAccount token.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** One CEL rule over a pod spec found at `spec` (e.g. `object.spec`). */
function podSpecRules(spec: string, runtimeClasses: string[]) {
    const containers = (list: string) =>
        `(!has(${spec}.${list}) || ${spec}.${list}.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false))`;
    return [
        {
            expression: `has(${spec}.runtimeClassName) && ${spec}.runtimeClassName in ${JSON.stringify(runtimeClasses)}`,
            message: `a sandbox must run under a Cloister RuntimeClass (${runtimeClasses.join(", ")}): set runtimeClassName`,
            reason: "Forbidden",
        },
        {
            expression: ["hostNetwork", "hostPID", "hostIPC"].map((f) => `!(has(${spec}.${f}) && ${spec}.${f})`).join(" && "),
            message: "a sandbox must not use the node's network, PID or IPC namespace",
            reason: "Forbidden",
        },
        {
            expression: `!has(${spec}.volumes) || ${spec}.volumes.all(v, !has(v.hostPath))`,
            message: "a sandbox must not mount hostPath volumes",
            reason: "Forbidden",
        },
        {
            expression: `${containers("containers")} && ${containers("initContainers")}`,
            message: "a sandbox must not run privileged containers",
            reason: "Forbidden",
        },
        {
            expression:
                `has(${spec}.automountServiceAccountToken) && ${spec}.automountServiceAccountToken == false && ` +
                `(!has(${spec}.volumes) || ${spec}.volumes.all(v, !has(v.projected) || !has(v.projected.sources) || v.projected.sources.all(s, !has(s.serviceAccountToken))))`,
            message: "a sandbox must not mount a ServiceAccount token: set automountServiceAccountToken: false",
            reason: "Forbidden",
        },
    ];
}

export interface SandboxAdmission {
    /** Name suffix and the kinds it covers. */
    suffix: string;
    rules: k8s.types.input.admissionregistration.v1.NamedRuleWithOperations[];
    specPath: string;
}

/** Pods are checked at `spec`; Sandboxes and SandboxTemplates at their pod template. */
export const SANDBOX_ADMISSIONS: SandboxAdmission[] = [
    {
        suffix: "pods",
        rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE", "UPDATE"] }],
        specPath: "object.spec",
    },
    {
        suffix: "sandboxes",
        rules: [
            { apiGroups: ["agents.x-k8s.io"], apiVersions: ["*"], resources: ["sandboxes"], operations: ["CREATE", "UPDATE"] },
            { apiGroups: ["extensions.agents.x-k8s.io"], apiVersions: ["*"], resources: ["sandboxtemplates"], operations: ["CREATE", "UPDATE"] },
        ],
        specPath: "object.spec.podTemplate.spec",
    },
];

export function admissionPolicyArgs(platform: string, admission: SandboxAdmission, runtimeClasses: string[]): k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs {
    return {
        metadata: { name: `${platform}-sandbox-${admission.suffix}`, labels: { "app.kubernetes.io/managed-by": "cloister" } },
        spec: {
            failurePolicy: "Fail",
            matchConstraints: { resourceRules: admission.rules },
            validations: podSpecRules(admission.specPath, runtimeClasses),
        },
    };
}

export function admissionBindingArgs(
    policyName: pulumi.Input<string>,
    platform: string,
    admission: SandboxAdmission,
    sandboxNamespace: pulumi.Input<string>,
): k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs {
    return {
        metadata: { name: `${platform}-sandbox-${admission.suffix}`, labels: { "app.kubernetes.io/managed-by": "cloister" } },
        spec: {
            policyName,
            validationActions: ["Deny"],
            matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": sandboxNamespace } } },
        },
    };
}
