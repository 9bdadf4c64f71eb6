// GKE's own rules for a platform spec. Pure: no Pulumi calls, no config reads. `validatePlatformSpec`
// concatenates these with the cloud-neutral checks when the target is "gcp"; the policy pack can call
// them too. The project must already be in `spec.gcp.project` (the components copy the `gcp:project`
// config there before validating, see `withGcpProject`).
import * as pulumi from "@pulumi/pulumi";
import { CapacityFacts } from "../spec/capacity";
import { suggestKey } from "../spec/schema";
import {
    GcpDiskType,
    gcpMachineFamily,
    gcpMachineShape,
    gkeAllocatable,
    GCP_ACCELERATORS,
    GCP_GPU_MACHINES,
    GCP_MACHINE_FAMILIES,
    GCP_N1_ACCELERATORS,
} from "../spec/cloudFacts";
import { gcpMachineType, GCP_GPU_MACHINE_TYPES, resolveSpec, ResolvedPool, ResolvedSpec } from "../spec/defaults";
import { Isolation, PlatformSpec, StorageTier } from "../spec/types";
import { RUNTIME_OVERHEAD } from "../kubernetes/facts";
import { cidrsOverlap, parseIpv4Cidr, SpecProblem } from "../spec/validate";

/** GCP region names: `us-central1`, `europe-west4`, `northamerica-northeast2`. */
export const GCP_REGION = /^[a-z]+-[a-z]+\d+$/;
/** Project IDs, optionally domain-scoped (`example.com:my-project`). */
export const GCP_PROJECT = /^([a-z0-9][-a-z0-9.]*[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const KMS_KEY = /^projects\/[^/]+\/locations\/([^/]+)\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
const BUCKET_NAME = /^[a-z0-9][-a-z0-9_]{1,61}[a-z0-9]$/;

export const RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE", "EXTENDED"];
/** GKE names these pools itself or Cloister creates them; sandbox pools must use other names. */
export const RESERVED_POOL_NAMES = ["system", "default-pool"];

/** Machine families with nested virtualization (Kata needs `/dev/kvm`), from the facts table. */
export const KATA_MACHINE_FAMILIES = Object.keys(GCP_MACHINE_FAMILIES).filter((f) => GCP_MACHINE_FAMILIES[f].nestedVirtualization);

export const machineFamily = gcpMachineFamily;

/** Disk types a machine type can attach; undefined for a family the facts table does not know. */
const disksOf = (machineType: string): GcpDiskType[] | undefined => GCP_MACHINE_FAMILIES[gcpMachineFamily(machineType)]?.disks;

/**
 * The disk type of sandbox volumes: "performance" is Hyperdisk Balanced; "standard" is a balanced PD, or
 * Hyperdisk Balanced when a pool's machines attach Hyperdisk only (fourth-generation families).
 */
export function gkeVolumeDiskType(spec: Pick<ResolvedSpec, "storage" | "pools">): GcpDiskType {
    if (spec.storage.tier === StorageTier.Performance) return "hyperdisk-balanced";
    const hyperdiskOnly = spec.pools.some((p) => {
        const machine = gcpMachineType(p);
        return machine !== undefined && disksOf(machine)?.includes("pd-balanced") === false;
    });
    return hyperdiskOnly ? "hyperdisk-balanced" : "pd-balanced";
}

/** A GPU pool's machine type must carry its accelerator model, as many per node as the pool says. */
function checkGpuMachine(problems: SpecProblem[], path: string, pool: ResolvedPool & { gpu: { acceleratorType: string; acceleratorCount: number } }) {
    const { acceleratorType: model, acceleratorCount: count } = pool.gpu;
    if (!GCP_ACCELERATORS.includes(model)) {
        const near = suggestKey(model, GCP_ACCELERATORS);
        problems.push({
            path: `${path}.acceleratorType`,
            reason: `"${model}" is not a GKE accelerator type${near ? `; did you mean "${near}"?` : ""} (known: ${GCP_ACCELERATORS.join(", ")})`,
        });
        return;
    }
    const machine = pool.machineType;
    if (!machine) return;
    const fixed = GCP_GPU_MACHINES[machine];
    const carriers = Object.entries(GCP_GPU_MACHINES).filter(([, m]) => m.accelerator === model);
    if (fixed) {
        if (fixed.accelerator !== model) {
            problems.push({ path: `${path}.machineType`, reason: `"${machine}" carries ${fixed.accelerator}, not ${model}; ${model} comes on ${carriers.length ? carriers.map(([t]) => t).join(", ") : "N1 machines"}` });
        } else if (fixed.gpus !== count) {
            problems.push({ path: `${path}.acceleratorCount`, reason: `"${machine}" carries exactly ${fixed.gpus} × ${model}; set acceleratorCount to ${fixed.gpus} or pick another size (${carriers.map(([t, m]) => `${t}: ${m.gpus}`).join(", ")})` });
        }
    } else if (gcpMachineFamily(machine) === "n1") {
        const counts = GCP_N1_ACCELERATORS[model];
        if (!counts) {
            problems.push({ path: `${path}.machineType`, reason: `${model} does not attach to N1 machines; it comes on ${carriers.map(([t]) => t).join(", ")}` });
        } else if (!counts.includes(count)) {
            problems.push({ path: `${path}.acceleratorCount`, reason: `an N1 machine takes ${counts.join(", ")} × ${model}, not ${count}` });
        }
    } else if (GCP_MACHINE_FAMILIES[gcpMachineFamily(machine)]) {
        problems.push({ path: `${path}.machineType`, reason: `"${machine}" (${gcpMachineFamily(machine).toUpperCase()}) takes no GPUs; ${model} comes on ${carriers.length ? carriers.map(([t]) => t).join(", ") : "N1 machines"}` });
    }
}

/**
 * What a GKE node offers sandboxes. GKE's managed gvisor RuntimeClass declares no pod overhead; Cloister's
 * kata class declares kata-deploy's.
 */
export const gkeCapacityFacts: CapacityFacts = {
    allocatable: (pool) => {
        const machine = gcpMachineType(pool);
        const shape = machine ? gcpMachineShape(machine) : undefined;
        return shape ? gkeAllocatable(shape) : undefined;
    },
    overhead: { gvisor: { cpu: "0", memory: "0" }, kata: RUNTIME_OVERHEAD.kata },
};

/** The address block GKE gives each node: 2 × maxPodsPerNode, rounded up to a power of two. */
export function perNodePodRange(maxPodsPerNode: number): number {
    return 2 ** Math.ceil(Math.log2(2 * maxPodsPerNode));
}

/** Fills `gcp.project` from the `gcp:project` config value when the spec leaves it empty. */
export function withGcpProject(spec: PlatformSpec, configProject: string | undefined): PlatformSpec {
    if (spec?.target !== "gcp" || spec.gcp?.project || !configProject) return spec;
    return { ...spec, gcp: { ...spec.gcp, project: configProject } };
}

/** The snapshot bucket's name: the spec's, or `<project>-<name>-snapshots` (project IDs are unique). */
export function snapshotBucketName(spec: { name: string; gcp: { project?: pulumi.Input<string>; snapshotBucketName?: string } }): pulumi.Output<string> {
    return pulumi.output(spec.gcp.project).apply((project) => spec.gcp.snapshotBucketName || `${(project ?? "").replace(/^.*:/, "")}-${spec.name}-snapshots`);
}

function poolPaths(spec: PlatformSpec, pools: ResolvedPool[]): string[] {
    const sandbox = (spec.sandboxPools ?? []).map((_, i) => `sandboxPools[${i}]`);
    const gpu = (spec.gpuPools ?? []).map((_, i) => `gpuPools[${i}]`);
    return [...sandbox, ...gpu].slice(0, pools.length);
}

function checkKmsKey(problems: SpecProblem[], path: string, key: pulumi.Input<string> | undefined, region: string | undefined, what: string) {
    if (typeof key !== "string") return;
    const m = KMS_KEY.exec(key);
    if (!m) {
        problems.push({ path, reason: `${JSON.stringify(key)} is not a Cloud KMS key ID (projects/<p>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>)` });
    } else if (region && m[1] !== region) {
        problems.push({ path, reason: `the key is in "${m[1]}" but ${what} is in "${region}"; Cloud KMS keys must be in the same location` });
    }
}

/** Every GKE-specific problem with a spec whose target is "gcp"; an empty list means valid. */
export function validateGcpSpec(spec: PlatformSpec): SpecProblem[] {
    const problems: SpecProblem[] = [];
    if (typeof spec !== "object" || spec === null) return problems;
    const gcp = spec.gcp ?? {};

    // Project and region.
    if (!gcp.project) {
        problems.push({
            path: "gcp.project",
            reason: 'target "gcp" needs a project: set gcp.project (gcp: { project: "my-project" }) or the provider config gcp:project',
        });
    } else if (typeof gcp.project === "string" && !GCP_PROJECT.test(gcp.project)) {
        problems.push({ path: "gcp.project", reason: `${JSON.stringify(gcp.project)} is not a GCP project ID (6-30 lowercase letters, digits and "-", starting with a letter)` });
    }
    const region = typeof spec.region === "string" && GCP_REGION.test(spec.region) ? spec.region : undefined;
    if (spec.region !== undefined && !region) {
        problems.push({ path: "region", reason: `${JSON.stringify(spec.region)} is not a GCP region name such as "us-central1" or "europe-west4" (a zone such as "us-central1-a" is not a region)` });
    }
    const checkZones = (path: string, zones: unknown) => {
        if (!region || !Array.isArray(zones)) return;
        zones.forEach((zone, i) => {
            if (typeof zone !== "string" || !new RegExp(`^${region}-[a-z]$`).test(zone)) {
                problems.push({ path: `${path}.zones[${i}]`, reason: `${JSON.stringify(zone)} is not a zone of region "${region}" (e.g. "${region}-a")` });
            }
        });
    };
    // GPU machine types exist only in some zones of a region; GKE would fail the pool late, so ask.
    (spec.gpuPools ?? []).forEach((p, i) => {
        if (!p?.zones || p.zones.length === 0) {
            problems.push({ path: `gpuPools[${i}].zones`, reason: `GPU pools need explicit zones where ${p?.acceleratorType ?? "the accelerator"} is offered (e.g. ["${region ?? "us-central1"}-a"]); check with gcloud compute accelerator-types list` });
        }
    });
    const BINAUTHZ = ["DISABLED", "PROJECT_SINGLETON_POLICY_ENFORCE"];
    if (gcp.binaryAuthorization !== undefined && !BINAUTHZ.includes(gcp.binaryAuthorization)) {
        problems.push({ path: "gcp.binaryAuthorization", reason: `${JSON.stringify(gcp.binaryAuthorization)} is not one of ${BINAUTHZ.map((m) => `"${m}"`).join(", ")}` });
    }
    if (gcp.accessLogBucket !== undefined && !BUCKET_NAME.test(gcp.accessLogBucket)) {
        problems.push({ path: "gcp.accessLogBucket", reason: `${JSON.stringify(gcp.accessLogBucket)} is not a bucket name (3-63 lowercase letters, digits, "-" and "_")` });
    }
    checkZones("systemPool", spec.systemPool?.zones);
    (spec.sandboxPools ?? []).forEach((p, i) => checkZones(`sandboxPools[${i}]`, p?.zones));
    (spec.gpuPools ?? []).forEach((p, i) => checkZones(`gpuPools[${i}]`, p?.zones));

    // Cluster settings.
    if (gcp.releaseChannel !== undefined && !RELEASE_CHANNELS.includes(gcp.releaseChannel)) {
        problems.push({ path: "gcp.releaseChannel", reason: `${JSON.stringify(gcp.releaseChannel)} is not one of ${RELEASE_CHANNELS.map((c) => `"${c}"`).join(", ")}` });
    }
    checkKmsKey(problems, "gcp.secretsKmsKeyId", gcp.secretsKmsKeyId, region, "the cluster");
    checkKmsKey(problems, "snapshotBucket.kmsKeyId", spec.snapshotBucket?.kmsKeyId, region, "the snapshot bucket");
    if (gcp.softDeleteDays !== undefined && !(gcp.softDeleteDays === 0 || (Number.isInteger(gcp.softDeleteDays) && gcp.softDeleteDays >= 7 && gcp.softDeleteDays <= 90))) {
        problems.push({ path: "gcp.softDeleteDays", reason: `${JSON.stringify(gcp.softDeleteDays)} must be 0 (off) or a whole number of days from 7 to 90` });
    }
    if (gcp.snapshotBucketName !== undefined && (!BUCKET_NAME.test(gcp.snapshotBucketName) || gcp.snapshotBucketName.includes("google") || gcp.snapshotBucketName.startsWith("goog"))) {
        problems.push({ path: "gcp.snapshotBucketName", reason: `${JSON.stringify(gcp.snapshotBucketName)} is not a valid bucket name: 3-63 lowercase letters, digits, "-" and "_", not containing "google"` });
    } else if (gcp.snapshotBucketName === undefined && typeof gcp.project === "string" && typeof spec.name === "string" && `${gcp.project.replace(/^.*:/, "")}-${spec.name}-snapshots`.length > 63) {
        problems.push({ path: "gcp.snapshotBucketName", reason: "the default bucket name <project>-<name>-snapshots exceeds 63 characters; set a shorter one" });
    }

    // Network: the control-plane range, an existing VPC, and the pod range's capacity.
    const resolved = resolveSpec(spec);
    const master = parseIpv4Cidr(resolved.gcp.masterCidr);
    if (!master || master.prefix !== 28) {
        problems.push({ path: "gcp.masterCidr", reason: `${JSON.stringify(resolved.gcp.masterCidr)} must be an IPv4 /28 (e.g. "172.16.0.0/28")` });
    } else {
        for (const field of ["vpcCidr", "podCidr", "serviceCidr"] as const) {
            const other = parseIpv4Cidr(resolved.network[field]);
            if (other && cidrsOverlap(master, other)) {
                problems.push({ path: "gcp.masterCidr", reason: `${resolved.gcp.masterCidr} overlaps network.${field} ${resolved.network[field]}` });
            }
        }
    }
    const existing = [gcp.existingNetwork, gcp.existingSubnetwork, gcp.existingPodRangeName, gcp.existingServiceRangeName];
    const usesExisting = existing.some((v) => v !== undefined);
    if (usesExisting && existing.some((v) => typeof v !== "string" || v === "")) {
        problems.push({
            path: "gcp.existingNetwork",
            reason: "an existing VPC needs all four of existingNetwork, existingSubnetwork, existingPodRangeName and existingServiceRangeName",
        });
    }
    const pods = parseIpv4Cidr(resolved.network.podCidr);
    const maxPods = resolved.network.maxPodsPerNode;
    if (!usesExisting && pods && Number.isInteger(maxPods) && maxPods > 0) {
        const perNode = perNodePodRange(maxPods);
        const nodes = resolved.systemPool.maxNodes + resolved.pools.reduce((sum, p) => sum + p.maxNodes, 0);
        const available = 2 ** (32 - pods.prefix);
        if (Number.isFinite(nodes) && nodes * perNode > available) {
            const needPrefix = 32 - Math.ceil(Math.log2(nodes * perNode));
            problems.push({
                path: "network.podCidr",
                reason: `${resolved.network.podCidr} holds ${available / perNode} node(s), but the pools may grow to ${nodes} nodes (sum of maxNodes, system pool included) and GKE gives each node a /${32 - Math.log2(perNode)} for maxPodsPerNode ${maxPods}: use a /${needPrefix} or larger, or lower maxNodes or network.maxPodsPerNode`,
            });
        }
    }

    // Pools.
    const paths = poolPaths(spec, resolved.pools);
    resolved.pools.forEach((pool, i) => {
        const path = paths[i];
        if (RESERVED_POOL_NAMES.includes(pool.name)) {
            problems.push({ path: `${path}.name`, reason: `"${pool.name}" is reserved on GKE (the system pool / GKE's default pool); choose another name` });
        }
        const machine = gcpMachineType(pool);
        if (pool.gpu) {
            checkGpuMachine(problems, path, { ...pool, gpu: pool.gpu });
            if (pool.isolation === Isolation.Kata) {
                problems.push({
                    path: `${path}.isolation`,
                    reason: 'GPU pools on GKE must use "gvisor" isolation (GKE Sandbox supports GPUs); kata needs nested virtualization, which GPU machine families lack',
                });
            }
            // An unknown accelerator is already named above.
            if (!machine && GCP_ACCELERATORS.includes(pool.gpu.acceleratorType)) {
                const known = GCP_GPU_MACHINE_TYPES[pool.gpu.acceleratorType];
                problems.push({
                    path: `${path}.machineType`,
                    reason: known
                        ? `no default machine type for ${pool.gpu.acceleratorCount} × ${pool.gpu.acceleratorType} per node (defaults exist for ${Object.keys(known).join(", ")}); set machineType`
                        : `no default machine type for accelerator "${pool.gpu.acceleratorType}"; set machineType`,
                });
            }
            return;
        }
        if (pool.isolation === Isolation.Kata && machine && !KATA_MACHINE_FAMILIES.includes(machineFamily(machine))) {
            problems.push({
                path: `${path}.machineType`,
                reason: `"${machine}" (${machineFamily(machine).toUpperCase()}) has no nested virtualization, which kata needs; use an Intel family: ${KATA_MACHINE_FAMILIES.map((f) => f.toUpperCase()).join(", ")} (e.g. "n2-standard-8")`,
            });
        }
    });
    // GKE's managed gvisor RuntimeClass tolerates only GKE's own sandbox taint.
    [...(spec.sandboxPools ?? []).map((p, i) => [p, `sandboxPools[${i}]`] as const), ...(spec.gpuPools ?? []).map((p, i) => [p, `gpuPools[${i}]`] as const)]
        .filter(([p]) => p?.isolation === Isolation.Gvisor && (p.taints ?? []).length > 0)
        .forEach(([, path]) => {
            problems.push({
                path: `${path}.taints`,
                reason: 'GKE taints gvisor nodes itself (sandbox.gke.io/runtime=gvisor) and its managed "gvisor" RuntimeClass tolerates only that taint; sandboxes could not tolerate extra taints: remove them',
            });
        });

    // One StorageClass serves every pool: its disk type must attach to all of their machines.
    const volumeDisk = gkeVolumeDiskType(resolved);
    const cannotAttach = resolved.pools
        .map((pool, i) => [gcpMachineType(pool), paths[i]] as const)
        .filter(([machine]) => machine !== undefined && disksOf(machine) !== undefined && !disksOf(machine)!.includes(volumeDisk));
    cannotAttach.forEach(([machine, path]) => {
        problems.push({
            path: spec.storage?.tier === StorageTier.Performance ? "storage.tier" : `${path}.machineType`,
            reason: spec.storage?.tier === StorageTier.Performance
                ? `tier "performance" is Hyperdisk Balanced, which ${path} ("${machine}", ${machineFamily(machine!).toUpperCase()}) cannot attach; use tier "standard" or a family with Hyperdisk (C3, C3D, N4, C4, ...)`
                : `"${machine}" attaches persistent disks only, but another pool's machines attach Hyperdisk only, and one StorageClass serves all pools: use machine families that share a disk type`,
        });
    });

    // Pod Snapshots.
    if (resolved.gcp.podSnapshots) {
        const gvisor = resolved.pools.filter((p) => p.isolation === Isolation.Gvisor);
        if (gvisor.length === 0) {
            problems.push({ path: "gcp.podSnapshots", reason: "GKE Pod Snapshots needs a gvisor pool (GKE Sandbox); add one or turn podSnapshots off" });
        }
        gvisor.forEach((pool) => {
            const machine = gcpMachineType(pool);
            if (machine && GCP_MACHINE_FAMILIES[machineFamily(machine)]?.podSnapshots === false) {
                problems.push({ path: `${paths[resolved.pools.indexOf(pool)]}.machineType`, reason: `GKE Pod Snapshots does not support ${machineFamily(machine).toUpperCase()} machines ("${machine}")` });
            }
        });
    }
    return problems;
}
