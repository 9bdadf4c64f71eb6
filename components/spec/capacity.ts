// Capacity math: do the warm pools fit the sandbox namespace's quota and LimitRange, and the nodes of the
// pools that can host them? Without it such a spec plans fine and fails at admission or scheduling later.
// Pure; the target supplies what a node offers (`CapacityFacts`).
import { MachineShape } from "./cloudFacts";
import { ResolvedPool, ResolvedSpec, ResolvedTemplate } from "./defaults";
import { Isolation } from "./types";
import type { SpecProblem } from "./validate";

/** Kubernetes quantity → number (cores for CPU, bytes for memory and disk). */
export function parseQuantity(quantity: string): number {
    const m = /^(\d+(?:\.\d+)?|\.\d+)([a-zA-Z]*)$/.exec(quantity);
    const factor = m ? QUANTITY_SUFFIXES[m[2]] : undefined;
    if (!m || factor === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
    return Number(m[1]) * factor;
}
const QUANTITY_SUFFIXES: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const GiB = 2 ** 30;

/** The sandbox namespace's LimitRange: per container, and per volume claim. */
export const SANDBOX_LIMITS = {
    default: { cpu: "1", memory: "2Gi", "ephemeral-storage": "2Gi" },
    defaultRequest: { cpu: "250m", memory: "512Mi", "ephemeral-storage": "1Gi" },
    max: { cpu: "32", memory: "256Gi", "ephemeral-storage": "100Gi" },
    maxVolume: "2Ti",
} as const;

/** What the target tells the capacity math about its nodes and runtimes. */
export interface CapacityFacts {
    /** What pods may request on one node of the pool; undefined where the machine is not known. */
    allocatable(pool: ResolvedPool): MachineShape | undefined;
    /** The pod overhead each sandbox's RuntimeClass adds (it counts against the quota and the node). */
    overhead: Record<Isolation, { cpu: string; memory: string }>;
}

interface Demand {
    cpu: number;
    memoryGiB: number;
    ephemeralGiB: number;
    gpus: number;
}

function sandboxDemand(t: ResolvedTemplate, facts: CapacityFacts): Demand {
    const overhead = facts.overhead[t.isolation];
    return {
        cpu: parseQuantity(t.cpu) + parseQuantity(overhead.cpu),
        memoryGiB: (parseQuantity(t.memory) + parseQuantity(overhead.memory)) / GiB,
        ephemeralGiB: parseQuantity(t.ephemeralStorage) / GiB,
        gpus: t.gpu,
    };
}

/** Pools a template can land on: its isolation, and GPU pools with enough GPUs per node for GPU templates. */
function hostingPools(t: Pick<ResolvedTemplate, "isolation" | "gpu">, pools: ResolvedPool[]): ResolvedPool[] {
    return pools.filter((p) => p.isolation === t.isolation && (t.gpu > 0 ? (p.gpu?.acceleratorCount ?? 0) >= t.gpu : p.gpu === undefined));
}

/** Sandboxes of one demand a node fits: the tightest of CPU, memory, GPUs and the pod limit. */
function perNode(node: MachineShape, demand: Demand, pool: ResolvedPool, maxPodsPerNode: number): number {
    const fits = [Math.floor(node.vcpus / demand.cpu + 1e-9), Math.floor(node.memoryGiB / demand.memoryGiB + 1e-9), maxPodsPerNode];
    if (demand.gpus > 0) fits.push(Math.floor((pool.gpu?.acceleratorCount ?? 0) / demand.gpus));
    return Math.max(0, Math.min(...fits));
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, ""));

export interface CapacityReport {
    problems: SpecProblem[];
    /** One line per template and pool: "pool gvisor holds at most 70 sandboxes of template python (…)". */
    lines: string[];
}

/** Every capacity problem of a resolved spec, and the computed capacity of each pool per template. */
export function checkCapacity(spec: ResolvedSpec, facts: CapacityFacts): CapacityReport {
    const problems: SpecProblem[] = [];
    const lines: string[] = [];
    const quota = {
        cpu: parseQuantity(spec.sandboxNamespace.cpuQuota),
        memoryGiB: parseQuantity(spec.sandboxNamespace.memoryQuota) / GiB,
        ephemeralGiB: parseQuantity(spec.sandboxNamespace.ephemeralStorageQuota) / GiB,
        gpus: spec.sandboxNamespace.gpuQuota,
        pods: spec.sandboxNamespace.podQuota,
    };
    const quotaFields = { cpu: "cpuQuota", memoryGiB: "memoryQuota", ephemeralGiB: "ephemeralStorageQuota", gpus: "gpuQuota" } as const;
    /** The template field each resource comes from. */
    const templateFields = { cpu: "cpu", memoryGiB: "memory", ephemeralGiB: "ephemeralStorage", gpus: "gpu" } as const;
    const units = { cpu: "CPU", memoryGiB: "GiB of memory", ephemeralGiB: "GiB of scratch disk", gpus: "GPU(s)" } as const;
    const resources = Object.keys(quotaFields) as (keyof typeof quotaFields)[];
    const maxPodsPerNode = spec.network.maxPodsPerNode;

    const demands = spec.templates.map((t) => sandboxDemand(t, facts));
    const overQuota = new Set<string>();
    spec.templates.forEach((t, i) => {
        const path = `templates[${i}]`;
        const demand = demands[i];
        // The LimitRange caps each container; the claim cap applies to the sandbox's volume.
        for (const [field, resource] of [["cpu", "cpu"], ["memory", "memory"], ["ephemeralStorage", "ephemeral-storage"]] as const) {
            const max = SANDBOX_LIMITS.max[resource];
            if (parseQuantity(t[field]) > parseQuantity(max)) {
                problems.push({ path: `${path}.${field}`, reason: `${t[field]} exceeds the sandbox namespace's LimitRange maximum of ${max} per container` });
            }
        }
        if (t.volumeSizeGb * GiB > parseQuantity(SANDBOX_LIMITS.maxVolume)) {
            problems.push({ path: `${path}.volumeSizeGb`, reason: `${t.volumeSizeGb} exceeds the sandbox namespace's LimitRange maximum of ${SANDBOX_LIMITS.maxVolume} per volume` });
        }
        // One sandbox must fit the quota, or the template can never be claimed; its warm pool as well.
        for (const r of resources) {
            if (demand[r] > quota[r]) {
                overQuota.add(r);
                problems.push({
                    path: `${path}.${templateFields[r]}`,
                    reason: `one sandbox needs ${fmt(demand[r])} ${units[r]}${r === "cpu" || r === "memoryGiB" ? " with its runtime overhead" : ""}, more than sandboxNamespace.${quotaFields[r]} allows (${fmt(quota[r])})`,
                });
            } else if (t.warmPoolSize * demand[r] > quota[r]) {
                overQuota.add(r);
                problems.push({
                    path: `${path}.warmPoolSize`,
                    reason: `${t.warmPoolSize} warm sandboxes need ${fmt(t.warmPoolSize * demand[r])} ${units[r]}, more than sandboxNamespace.${quotaFields[r]} allows (${fmt(quota[r])}); at most ${Math.floor(quota[r] / demand[r] + 1e-9)} fit`,
                });
            }
        }
        if (t.warmPoolSize > quota.pods) {
            overQuota.add("pods");
            problems.push({ path: `${path}.warmPoolSize`, reason: `${t.warmPoolSize} warm sandboxes exceed sandboxNamespace.podQuota (${quota.pods})` });
        }

        // Nodes: a sandbox must fit one node of a pool that can host it, and the warm pool those pools.
        const hosts = hostingPools(t, spec.pools);
        const sized = hosts.map((p) => ({ pool: p, node: facts.allocatable(p) }));
        if (sized.length === 0 || sized.some((s) => s.node === undefined)) return;
        const perPool = sized.map(({ pool, node }) => ({ pool, node: node!, each: perNode(node!, demand, pool, maxPodsPerNode) }));
        for (const { pool, each } of perPool) {
            lines.push(`pool ${pool.name} holds at most ${each * pool.maxNodes} sandboxes of template ${t.name} (${each} per node × ${pool.maxNodes} nodes)`);
        }
        if (perPool.every((p) => p.each === 0)) {
            const offered = perPool.map(({ pool, node }) => `${pool.name}: ${fmt(node.vcpus)} CPU, ${fmt(node.memoryGiB)} GiB`).join("; ");
            problems.push({
                path,
                reason: `one sandbox (${fmt(demand.cpu)} CPU, ${fmt(demand.memoryGiB)} GiB with its runtime overhead${demand.gpus ? `, ${demand.gpus} GPU(s)` : ""}) fits no node of the pools that can host it (allocatable per node: ${offered}); lower cpu/memory or use larger machines`,
            });
            return;
        }
        const capacity = perPool.reduce((sum, p) => sum + p.each * p.pool.maxNodes, 0);
        if (t.warmPoolSize > capacity) {
            problems.push({
                path: `${path}.warmPoolSize`,
                reason: `${t.warmPoolSize} warm sandboxes exceed what pools ${hosts.map((p) => p.name).join(", ")} hold at maxNodes (${capacity}); lower warmPoolSize or raise maxNodes`,
            });
        }
    });

    // All warm pools together against the quota (where no single template already broke it).
    for (const r of resources) {
        const total = spec.templates.reduce((sum, t, i) => sum + t.warmPoolSize * demands[i][r], 0);
        if (!overQuota.has(r) && total > quota[r]) {
            problems.push({
                path: `sandboxNamespace.${quotaFields[r]}`,
                reason: `the warm pools together need ${fmt(total)} ${units[r]} (${spec.templates.filter((t) => t.warmPoolSize > 0).map((t) => `${t.name} × ${t.warmPoolSize}`).join(", ")}), more than ${fmt(quota[r])}: raise the quota or shrink warm pools`,
            });
        }
    }
    const warmTotal = spec.templates.reduce((sum, t) => sum + t.warmPoolSize, 0);
    if (!overQuota.has("pods") && warmTotal > quota.pods) {
        problems.push({ path: "sandboxNamespace.podQuota", reason: `the warm pools together hold ${warmTotal} sandboxes, more than ${quota.pods}` });
    }

    // All warm pools that share pools against those pools' nodes.
    const groups = new Map<string, { pools: ResolvedPool[]; templates: number[] }>();
    spec.templates.forEach((t, i) => {
        const hosts = hostingPools(t, spec.pools);
        if (t.warmPoolSize === 0 || hosts.length === 0) return;
        const key = hosts.map((p) => p.name).join(",");
        groups.set(key, { pools: hosts, templates: [...(groups.get(key)?.templates ?? []), i] });
    });
    for (const { pools, templates } of groups.values()) {
        if (templates.length < 2) continue;
        const nodes = pools.map((p) => ({ pool: p, node: facts.allocatable(p) }));
        if (nodes.some((n) => n.node === undefined)) continue;
        const offered = {
            cpu: nodes.reduce((s, n) => s + n.node!.vcpus * n.pool.maxNodes, 0),
            memoryGiB: nodes.reduce((s, n) => s + n.node!.memoryGiB * n.pool.maxNodes, 0),
        };
        for (const r of ["cpu", "memoryGiB"] as const) {
            const need = templates.reduce((s, i) => s + spec.templates[i].warmPoolSize * demands[i][r], 0);
            if (need > offered[r]) {
                problems.push({
                    path: "templates",
                    reason: `the warm pools of ${templates.map((i) => spec.templates[i].name).join(", ")} together need ${fmt(need)} ${units[r]}, more than pools ${pools.map((p) => p.name).join(", ")} offer at maxNodes (${fmt(offered[r])})`,
                });
            }
        }
    }
    return { problems, lines };
}
