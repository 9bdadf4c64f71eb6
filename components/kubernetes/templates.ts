// SandboxTemplates and SandboxWarmPools (agent-sandbox v1beta1). Each template names its isolation's
// RuntimeClass, which carries the pool scheduling (a template carries it for a class Cloister does not
// own); GPU templates add the GPU toleration and model.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LABEL_TEMPLATE, ResolvedTemplate, sharedPoolLabels, TAINT_GPU } from "../spec/defaults";
import { ClusterFacts } from "./facts";
import { toleration } from "./runtimeClasses";
import { LABEL_EGRESS } from "./sandboxNamespace";

export const EXTENSIONS_API = "extensions.agents.x-k8s.io/v1beta1";
/** The non-root identity sandboxes run as; Pod Security `restricted` refuses root. */
export const SANDBOX_UID = 1000;

const sharedLabels = (labels: Record<string, string>[]) => sharedPoolLabels(labels.map((nodeLabels) => ({ nodeLabels })));

export function sandboxTemplateArgs(
    template: ResolvedTemplate,
    facts: ClusterFacts,
    namespace: pulumi.Input<string>,
    storageClassName: pulumi.Input<string>,
): k8s.apiextensions.CustomResourceArgs {
    const runtimeClass = facts.runtimeClasses.find((rc) => rc.isolation === template.isolation);
    // GPU templates select the labels every GPU pool that can host them really carries.
    const gpuPools = template.gpu > 0 ? facts.pools.filter((p) => p.isolation === template.isolation && p.acceleratorCount >= template.gpu) : [];
    const gpuSelector = sharedLabels(gpuPools.map((p) => p.labels));
    // A class Cloister does not own (AKS's kata-vm-isolation, an existing cluster's) need not know
    // Cloister's pools, so the template carries their scheduling itself.
    const carried = runtimeClass?.provided ? runtimeClass : undefined;
    const nodeSelector = { ...carried?.nodeSelector, ...gpuSelector };
    const tolerations = [
        ...(carried?.tolerations.map(toleration) ?? []),
        ...(gpuPools.length ? [{ key: TAINT_GPU, operator: "Exists", effect: "NoSchedule" }] : []),
    ];
    const resources: Record<string, string> = {
        cpu: template.cpu,
        memory: template.memory,
        "ephemeral-storage": template.ephemeralStorage,
    };
    const limits = template.gpu > 0 ? { ...resources, "nvidia.com/gpu": String(template.gpu) } : resources;
    const withVolume = template.volumeSizeGb > 0;
    return {
        apiVersion: EXTENSIONS_API,
        kind: "SandboxTemplate",
        metadata: { name: template.name, namespace, labels: { "app.kubernetes.io/managed-by": "cloister" } },
        spec: {
            // The namespace's own policies govern traffic; upstream's managed policy would also block DNS.
            networkPolicyManagement: "Unmanaged",
            podTemplate: {
                metadata: { labels: { [LABEL_TEMPLATE]: template.name, [LABEL_EGRESS]: template.egress } },
                spec: {
                    runtimeClassName: runtimeClass?.name,
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    dnsPolicy: "ClusterFirst",
                    nodeSelector: Object.keys(nodeSelector).length ? nodeSelector : undefined,
                    tolerations: tolerations.length ? tolerations : undefined,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: SANDBOX_UID,
                        runAsGroup: SANDBOX_UID,
                        fsGroup: SANDBOX_UID,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [
                        {
                            name: "sandbox",
                            image: template.image,
                            command: template.command.length ? template.command : undefined,
                            args: template.args.length ? template.args : undefined,
                            env: Object.keys(template.env).length
                                ? Object.entries(template.env).map(([name, value]) => ({ name, value }))
                                : undefined,
                            ports: [{ name: "sandbox", containerPort: template.port, protocol: "TCP" }],
                            // A claim is Ready only once the sandbox accepts connections on its port.
                            readinessProbe: { tcpSocket: { port: template.port }, periodSeconds: 1, failureThreshold: 3 },
                            resources: { requests: resources, limits },
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                capabilities: { drop: ["ALL"] },
                                runAsNonRoot: true,
                            },
                            volumeMounts: withVolume ? [{ name: "workspace", mountPath: "/workspace" }] : undefined,
                        },
                    ],
                },
            },
            volumeClaimTemplates: withVolume
                ? [
                      {
                          metadata: { name: "workspace" },
                          spec: {
                              accessModes: ["ReadWriteOnce"],
                              storageClassName,
                              resources: { requests: { storage: `${template.volumeSizeGb}Gi` } },
                          },
                      },
                  ]
                : undefined,
        },
    };
}

/** Claims name a warm pool, so every template has one; `warmPoolSize: 0` gives a pool of none (cold claims). */
export const warmPoolName = (template: { name: string }) => `${template.name}-warm`;

export function warmPoolArgs(
    template: ResolvedTemplate,
    namespace: pulumi.Input<string>,
): k8s.apiextensions.CustomResourceArgs {
    return {
        apiVersion: EXTENSIONS_API,
        kind: "SandboxWarmPool",
        metadata: { name: warmPoolName(template), namespace, labels: { "app.kubernetes.io/managed-by": "cloister" } },
        spec: {
            replicas: template.warmPoolSize,
            sandboxTemplateRef: { name: template.name },
            // Warm sandboxes of an outdated template are replaced, not handed out.
            updateStrategy: { type: "Recreate" },
        },
    };
}
