// The agent-sandbox control plane: upstream's CRDs from the pinned release, and a controller authored
// here (upstream's raw manifests set no security context, resources or probes).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";
import { ClusterFacts } from "./facts";

export const CONTROLLER_NAME = "agent-sandbox-controller";
export const CONTROLLER_LABELS = { "app.kubernetes.io/name": CONTROLLER_NAME, "app.kubernetes.io/part-of": "cloister" };

/** The four CRD files of a release's `k8s/crds` directory. */
export const AGENT_SANDBOX_CRD_FILES = [
    "agents.x-k8s.io_sandboxes.yaml",
    "extensions.agents.x-k8s.io_sandboxtemplates.yaml",
    "extensions.agents.x-k8s.io_sandboxclaims.yaml",
    "extensions.agents.x-k8s.io_sandboxwarmpools.yaml",
];

/** Joins a URL prefix or a directory with a file name. */
export function sourceFile(source: string, file: string): string {
    return `${source.replace(/\/+$/, "")}/${file}`;
}

/**
 * Without nodes nothing becomes ready; only a test stack turns waiting off. `skipAwait` also lets a
 * namespace be deleted without a namespace controller.
 */
export function awaitAnnotations(spec: ResolvedSpec): Record<string, string> {
    return spec.controlPlane.awaitReadiness ? {} : { "pulumi.com/skipAwait": "true" };
}

/** Pod Security Admission `restricted`, enforced, audited and warned. */
export const PSA_RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
};

export function controllerImage(spec: ResolvedSpec): string {
    return `${spec.controlPlane.imageRegistry}/agent-sandbox/agent-sandbox-controller:${spec.controlPlane.version}`;
}

const ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

/** The union of upstream's generated core and extensions ClusterRoles (k8s/*rbac.generated.yaml). */
export const CONTROLLER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["persistentvolumeclaims", "pods", "services"], verbs: ALL_VERBS },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
    { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes"], verbs: ALL_VERBS },
    { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes/finalizers", "sandboxes/status"], verbs: ["get", "patch", "update"] },
    {
        apiGroups: ["extensions.agents.x-k8s.io"],
        resources: ["sandboxclaims", "sandboxtemplates", "sandboxwarmpools"],
        verbs: ALL_VERBS,
    },
    {
        apiGroups: ["extensions.agents.x-k8s.io"],
        resources: [
            "sandboxclaims/finalizers",
            "sandboxclaims/status",
            "sandboxtemplates/finalizers",
            "sandboxwarmpools/finalizers",
            "sandboxwarmpools/status",
        ],
        verbs: ["get", "patch", "update"],
    },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ALL_VERBS },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ALL_VERBS },
];

export function controllerDeploymentArgs(
    spec: ResolvedSpec,
    facts: ClusterFacts,
    namespace: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
    return {
        metadata: { name: CONTROLLER_NAME, namespace, labels: CONTROLLER_LABELS, annotations: awaitAnnotations(spec) },
        spec: {
            replicas: spec.controlPlane.replicas,
            selector: { matchLabels: CONTROLLER_LABELS },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: { ...CONTROLLER_LABELS, ...facts.controllerPodLabels } },
                spec: {
                    serviceAccountName: serviceAccount,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 65532,
                        runAsGroup: 65532,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    // Spread replicas so one node's loss does not stop reconciliation.
                    topologySpreadConstraints: [
                        {
                            maxSkew: 1,
                            topologyKey: "kubernetes.io/hostname",
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: CONTROLLER_LABELS },
                        },
                    ],
                    containers: [
                        {
                            name: CONTROLLER_NAME,
                            image: controllerImage(spec),
                            args: [
                                "--leader-elect=true",
                                pulumi.interpolate`--leader-election-namespace=${namespace}`,
                                "--extensions",
                                "--metrics-bind-address=:8080",
                                "--health-probe-bind-address=:8081",
                            ],
                            ports: [
                                { name: "metrics", containerPort: 8080, protocol: "TCP" },
                                { name: "healthz", containerPort: 8081, protocol: "TCP" },
                            ],
                            livenessProbe: { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 15, periodSeconds: 20 },
                            readinessProbe: { httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 },
                            resources: {
                                requests: { cpu: "100m", memory: "128Mi" },
                                limits: { cpu: "1", memory: "512Mi" },
                            },
                            securityContext: {
                                runAsNonRoot: true,
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                                capabilities: { drop: ["ALL"] },
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        },
                    ],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                },
            },
        },
    };
}
