// The namespace sandboxes run in and its guard rails: Pod Security `restricted`, a quota, default
// container limits, and network policies that deny all ingress but the router's and keep sandbox egress
// away from cloud metadata, identity endpoints, private ranges and the API server.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SANDBOX_LIMITS } from "../spec/capacity";
import { ResolvedSpec } from "../spec/defaults";
import { EgressMode } from "../spec/types";
import { KUBE_DNS_PEER } from "./controlPlane";
import { METADATA_CIDRS_V4, METADATA_CIDRS_V6, PRIVATE_CIDRS_V4, PRIVATE_CIDRS_V6 } from "./facts";
import { ROUTER_LABELS } from "./router";

/** Pod label carrying a sandbox's egress mode; the internet-egress policy selects on it. */
export const LABEL_EGRESS = "cloister.dev/egress";

export function resourceQuotaArgs(spec: ResolvedSpec, namespace: pulumi.Input<string>, annotations: Record<string, string>): k8s.core.v1.ResourceQuotaArgs {
    const ns = spec.sandboxNamespace;
    return {
        metadata: { name: "sandbox-quota", namespace, annotations },
        spec: {
            hard: {
                "requests.cpu": ns.cpuQuota,
                "limits.cpu": ns.cpuQuota,
                "requests.memory": ns.memoryQuota,
                "limits.memory": ns.memoryQuota,
                pods: String(ns.podQuota),
                "requests.nvidia.com/gpu": String(ns.gpuQuota),
                "requests.ephemeral-storage": ns.ephemeralStorageQuota,
                "limits.ephemeral-storage": ns.ephemeralStorageQuota,
            },
        },
    };
}

/** Containers that state no resources get bounded ones, so the quota can always be charged. */
export function limitRangeArgs(namespace: pulumi.Input<string>): k8s.core.v1.LimitRangeArgs {
    return {
        metadata: { name: "sandbox-limits", namespace },
        spec: {
            limits: [
                {
                    type: "Container",
                    default: { ...SANDBOX_LIMITS.default },
                    defaultRequest: { ...SANDBOX_LIMITS.defaultRequest },
                    max: { ...SANDBOX_LIMITS.max },
                },
                { type: "PersistentVolumeClaim", max: { storage: SANDBOX_LIMITS.maxVolume } },
            ],
        },
    };
}

export function denyAllArgs(namespace: pulumi.Input<string>): k8s.networking.v1.NetworkPolicyArgs {
    return {
        metadata: { name: "default-deny", namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
}

/** Cluster DNS for internet sandboxes only: `egress: none` gets no DNS (no tunnel, no Service discovery). */
export function allowDnsArgs(namespace: pulumi.Input<string>): k8s.networking.v1.NetworkPolicyArgs {
    return {
        metadata: { name: "allow-dns", namespace },
        spec: {
            podSelector: { matchLabels: { [LABEL_EGRESS]: EgressMode.Internet } },
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [KUBE_DNS_PEER],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
    };
}

/** The router is the only way in, and only to the ports the templates serve. */
export function allowRouterArgs(
    namespace: pulumi.Input<string>,
    controlNamespace: pulumi.Input<string>,
    ports: number[],
): k8s.networking.v1.NetworkPolicyArgs {
    return {
        metadata: { name: "allow-router-ingress", namespace },
        spec: {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": controlNamespace } },
                            // Upstream's router label, the only data path into sandboxes.
                            podSelector: { matchLabels: { app: ROUTER_LABELS.app } },
                        },
                    ],
                    ports: [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ protocol: "TCP", port })),
                },
            ],
        },
    };
}

/** Every range an internet-mode sandbox must not reach, IPv4 then IPv6, without duplicates. */
export function blockedEgressCidrs(privateCidrs: string[]): { v4: string[]; v6: string[] } {
    const v4 = [...new Set([...METADATA_CIDRS_V4, ...PRIVATE_CIDRS_V4, ...privateCidrs.filter((c) => !c.includes(":"))])];
    const v6 = [...new Set([...METADATA_CIDRS_V6, ...PRIVATE_CIDRS_V6, ...privateCidrs.filter((c) => c.includes(":"))])];
    return { v4, v6 };
}

export function internetEgressArgs(namespace: pulumi.Input<string>, privateCidrs: pulumi.Input<pulumi.Input<string>[]>): k8s.networking.v1.NetworkPolicyArgs {
    const blocked = pulumi.output(privateCidrs).apply((cidrs) => blockedEgressCidrs(cidrs));
    return {
        metadata: { name: "allow-internet-egress", namespace },
        spec: {
            podSelector: { matchLabels: { [LABEL_EGRESS]: EgressMode.Internet } },
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        { ipBlock: { cidr: "0.0.0.0/0", except: blocked.v4 } },
                        { ipBlock: { cidr: "::/0", except: blocked.v6 } },
                    ],
                },
            ],
        },
    };
}
