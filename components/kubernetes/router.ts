// The sandbox router: upstream's Go router, the data-plane entry the SDKs use (`sandbox-router-svc:8080`).
// Hardened like the controller, authenticated by default, with least RBAC: it reads the sandbox
// namespace's pods (its Pod-IP cache) and, in `tokenreview` mode, creates TokenReviews.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";
import { RouterAuth } from "../spec/types";
import { awaitAnnotations, hardenedContainerSecurity, hardenedDeploymentArgs, imageRef } from "./controlPlane";

export const ROUTER_NAME = "sandbox-router";
/** The Service name and port the SDKs hard-code. */
export const ROUTER_SERVICE = "sandbox-router-svc";
export const ROUTER_PORT = 8080;
export const ROUTER_METRICS_PORT = 9090;
/** Upstream's default sandbox NetworkPolicy admits `app: sandbox-router`; Cloister's does the same. */
export const ROUTER_LABELS = { app: ROUTER_NAME, "app.kubernetes.io/name": ROUTER_NAME, "app.kubernetes.io/part-of": "cloister" };

export function routerArgs(spec: ResolvedSpec, sandboxNamespace: pulumi.Input<string>): pulumi.Input<string>[] {
    const args: pulumi.Input<string>[] = [
        `--http-bind-address=:${ROUTER_PORT}`,
        `--metrics-bind-address=:${ROUTER_METRICS_PORT}`,
        "--health-probe-bind-address=:8081",
        "--cluster-domain=cluster.local",
        "--proxy-timeout=180s",
        "--upstream-max-retries=3",
        "--cache-enabled=true",
        // The cache watches only the sandbox namespace, so the router needs no cluster-wide pod access.
        pulumi.interpolate`--cache-namespace=${sandboxNamespace}`,
        `--authz-mode=${spec.controlPlane.routerAuth}`,
    ];
    if (spec.controlPlane.routerAuth === RouterAuth.TokenReview) {
        args.push("--authz-tokenreview-require-token=true", `--authz-tokenreview-audiences=${spec.controlPlane.routerTokenAudience}`);
    }
    return args;
}

export function routerDeploymentArgs(
    spec: ResolvedSpec,
    namespace: pulumi.Input<string>,
    sandboxNamespace: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
    const router = { name: ROUTER_NAME, labels: ROUTER_LABELS, replicas: spec.controlPlane.routerReplicas };
    return hardenedDeploymentArgs(spec, router, namespace, serviceAccount, {
        // Upstream's router drains in-flight requests for up to its shutdown timeout.
        terminationGracePeriodSeconds: 45,
        containers: [
            {
                name: ROUTER_NAME,
                image: imageRef(spec, "sandbox-router-go", spec.controlPlane.routerImageDigest),
                args: routerArgs(spec, sandboxNamespace),
                ports: [
                    { name: "proxy", containerPort: ROUTER_PORT, protocol: "TCP" },
                    { name: "metrics", containerPort: ROUTER_METRICS_PORT, protocol: "TCP" },
                    { name: "healthz", containerPort: 8081, protocol: "TCP" },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 1, periodSeconds: 5 },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
                securityContext: hardenedContainerSecurity,
            },
        ],
    });
}

export function routerServiceArgs(spec: ResolvedSpec, namespace: pulumi.Input<string>): k8s.core.v1.ServiceArgs {
    return {
        metadata: { name: ROUTER_SERVICE, namespace, labels: ROUTER_LABELS, annotations: awaitAnnotations(spec) },
        spec: {
            selector: ROUTER_LABELS,
            ports: [{ name: "proxy", port: ROUTER_PORT, targetPort: "proxy", protocol: "TCP" }],
        },
    };
}

/** Pods of the sandbox namespace, read-only: all the router's Pod-IP cache needs. */
export const ROUTER_POD_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];
/** TokenReviews, for `tokenreview` authentication (narrower than `system:auth-delegator`). */
export const ROUTER_TOKENREVIEW_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
];

/**
 * What an SDK host needs in the sandbox namespace: create and watch claims (the SDK waits for Ready),
 * read the sandboxes behind them and the templates and warm pools to choose from. Bind it to the identity
 * your agents run as.
 */
export const SANDBOX_CLIENT_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: ["extensions.agents.x-k8s.io"], resources: ["sandboxclaims"], verbs: ["create", "delete", "get", "list", "watch"] },
    { apiGroups: ["extensions.agents.x-k8s.io"], resources: ["sandboxtemplates", "sandboxwarmpools"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes"], verbs: ["get", "list", "watch"] },
];
export const SANDBOX_CLIENT_ROLE = "sandbox-client";
