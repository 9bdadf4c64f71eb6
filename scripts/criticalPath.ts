// The deploy's critical path in a plan: `npm run plan -- --stack <name> --critical-path`.
import type { PlannedResource } from "./mocks";

/**
 * Typical creation times (seconds) of the slow resource types, as observed in their providers' docs and
 * common experience; every other resource counts 3 s. A model for comparing plans, not a measurement.
 */
export const TYPICAL_SECONDS: Record<string, number> = {
    "aws:eks/cluster:Cluster": 600,
    "aws:eks/nodeGroup:NodeGroup": 240,
    "aws:eks/addon:Addon": 90,
    "aws:ec2/natGateway:NatGateway": 120,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 120,
    "azure-native:containerservice:ManagedCluster": 480,
    "azure-native:containerservice:AgentPool": 240,
    "azure-native:network:NatGateway": 60,
    "azure-native:keyvault:Vault": 30,
    "gcp:container/cluster:Cluster": 480,
    "gcp:container/nodePool:NodePool": 300,
    "kubernetes:helm.sh/v4:Chart": 60,
    "kubernetes:apps/v1:Deployment": 45,
    "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxWarmPool": 30,
};

/**
 * The longest chain of dependencies in a plan, weighted by TYPICAL_SECONDS: the deploy's critical path.
 * In-cluster objects also wait for their Kubernetes provider (whose kubeconfig waits for the cluster).
 */
export function criticalPath(resources: PlannedResource[]): { seconds: number; chain: string[] } {
    const id = (r: PlannedResource) => `${r.type}::${r.name}`;
    const byId = new Map(resources.map((r) => [id(r), r]));
    const providers = resources.filter((r) => r.type === "pulumi:providers:kubernetes").map(id);
    const deps = (r: PlannedResource) => [...r.dependsOn, ...(r.type.startsWith("kubernetes:") ? providers : [])].filter((d) => byId.has(d));
    const memo = new Map<string, { seconds: number; chain: string[] }>();
    const longest = (key: string): { seconds: number; chain: string[] } => {
        const known = memo.get(key);
        if (known) return known;
        const r = byId.get(key)!;
        const own = r.type.startsWith("cloister:") ? 0 : TYPICAL_SECONDS[r.type] ?? 3;
        const before = deps(r).map(longest).reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, chain: [] as string[] });
        const result = { seconds: before.seconds + own, chain: [...before.chain, key] };
        memo.set(key, result);
        return result;
    };
    return resources.map((r) => longest(id(r))).reduce((a, b) => (b.seconds > a.seconds ? b : a), { seconds: 0, chain: [] });
}
