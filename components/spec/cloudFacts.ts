// Machine and accelerator facts the validators, the node pools and the capacity math read: one table per
// cloud, kept here alone, each part with its source. Families or machine types missing from a table are
// not refused; the checks that need a fact skip them. AWS and Azure add their tables beside GCP's.

/** A node's size before the cloud's and Kubernetes' reservations. */
export interface MachineShape {
    vcpus: number;
    memoryGiB: number;
}

/** Disk types a sandbox volume or boot disk can be on GKE. */
export type GcpDiskType = "pd-balanced" | "hyperdisk-balanced";

export interface GcpMachineFamily {
    /** GiB of memory per vCPU, per machine class (`standard`, `highmem`, `highcpu`). */
    memoryPerVcpu: Partial<Record<"standard" | "highmem" | "highcpu", number>>;
    /** Disk types the family attaches. */
    disks: GcpDiskType[];
    /** Exposes `/dev/kvm` to guests when nested virtualization is on (Kata needs it). */
    nestedVirtualization: boolean;
    /** GKE Pod Snapshots supports the family. */
    podSnapshots: boolean;
}

const PD: GcpDiskType[] = ["pd-balanced"];
const HYPERDISK: GcpDiskType[] = ["hyperdisk-balanced"];
const BOTH: GcpDiskType[] = ["pd-balanced", "hyperdisk-balanced"];

/**
 * Sources: machine families https://cloud.google.com/compute/docs/machine-resource (memory per vCPU per
 * class); disk support per family https://cloud.google.com/compute/docs/disks/hyperdisks#machine-type-support
 * and https://cloud.google.com/compute/docs/disks#disk-types (the fourth-generation families attach
 * Hyperdisk only; the older ones no Hyperdisk Balanced); nested virtualization
 * https://cloud.google.com/compute/docs/instances/nested-virtualization/overview (Intel families only; no
 * E2, AMD or Arm); Pod Snapshots https://cloud.google.com/kubernetes-engine/docs/concepts/pod-snapshots
 * (no E2). State of 2026-08; see ../shared/reference/clouds.md §1.
 */
export const GCP_MACHINE_FAMILIES: Record<string, GcpMachineFamily> = {
    e2: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 1 }, disks: PD, nestedVirtualization: false, podSnapshots: false },
    n1: { memoryPerVcpu: { standard: 3.75, highmem: 6.5, highcpu: 0.9 }, disks: PD, nestedVirtualization: true, podSnapshots: true },
    n2: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 1 }, disks: PD, nestedVirtualization: true, podSnapshots: true },
    n2d: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 1 }, disks: PD, nestedVirtualization: false, podSnapshots: true },
    t2d: { memoryPerVcpu: { standard: 4 }, disks: PD, nestedVirtualization: false, podSnapshots: true },
    c2: { memoryPerVcpu: { standard: 4 }, disks: PD, nestedVirtualization: true, podSnapshots: true },
    c2d: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 2 }, disks: PD, nestedVirtualization: false, podSnapshots: true },
    c3: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 2 }, disks: BOTH, nestedVirtualization: true, podSnapshots: true },
    c3d: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 2 }, disks: BOTH, nestedVirtualization: false, podSnapshots: true },
    n4: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 2 }, disks: HYPERDISK, nestedVirtualization: true, podSnapshots: true },
    n4d: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 2 }, disks: HYPERDISK, nestedVirtualization: false, podSnapshots: true },
    c4: { memoryPerVcpu: { standard: 3.75, highmem: 7.75, highcpu: 2 }, disks: HYPERDISK, nestedVirtualization: true, podSnapshots: true },
    c4a: { memoryPerVcpu: { standard: 4, highmem: 8, highcpu: 2 }, disks: HYPERDISK, nestedVirtualization: false, podSnapshots: true },
    c4d: { memoryPerVcpu: { standard: 3.875, highmem: 7.875, highcpu: 1.875 }, disks: HYPERDISK, nestedVirtualization: false, podSnapshots: true },
    g2: { memoryPerVcpu: { standard: 4 }, disks: PD, nestedVirtualization: false, podSnapshots: true },
    a2: { memoryPerVcpu: {}, disks: PD, nestedVirtualization: false, podSnapshots: true },
    a3: { memoryPerVcpu: {}, disks: BOTH, nestedVirtualization: false, podSnapshots: true },
};

/** A GPU machine or instance type, on any cloud: its shape and the GPUs it carries. */
export interface GpuMachine extends MachineShape {
    accelerator: string;
    gpus: number;
}

const gpuMachine = (accelerator: string, gpus: number, vcpus: number, memoryGiB: number): GpuMachine => ({ accelerator, gpus, vcpus, memoryGiB });

/**
 * Accelerator-optimized machine types: each carries a fixed number of one GPU model. Source:
 * https://cloud.google.com/compute/docs/accelerator-optimized-machines and
 * https://cloud.google.com/compute/docs/gpus (G2, A2, A3).
 */
export const GCP_GPU_MACHINES: Record<string, GpuMachine> = {
    "g2-standard-4": gpuMachine("nvidia-l4", 1, 4, 16),
    "g2-standard-8": gpuMachine("nvidia-l4", 1, 8, 32),
    "g2-standard-12": gpuMachine("nvidia-l4", 1, 12, 48),
    "g2-standard-16": gpuMachine("nvidia-l4", 1, 16, 64),
    "g2-standard-24": gpuMachine("nvidia-l4", 2, 24, 96),
    "g2-standard-32": gpuMachine("nvidia-l4", 1, 32, 128),
    "g2-standard-48": gpuMachine("nvidia-l4", 4, 48, 192),
    "g2-standard-96": gpuMachine("nvidia-l4", 8, 96, 384),
    "a2-highgpu-1g": gpuMachine("nvidia-tesla-a100", 1, 12, 85),
    "a2-highgpu-2g": gpuMachine("nvidia-tesla-a100", 2, 24, 170),
    "a2-highgpu-4g": gpuMachine("nvidia-tesla-a100", 4, 48, 340),
    "a2-highgpu-8g": gpuMachine("nvidia-tesla-a100", 8, 96, 680),
    "a2-megagpu-16g": gpuMachine("nvidia-tesla-a100", 16, 96, 1360),
    "a2-ultragpu-1g": gpuMachine("nvidia-a100-80gb", 1, 12, 170),
    "a2-ultragpu-2g": gpuMachine("nvidia-a100-80gb", 2, 24, 340),
    "a2-ultragpu-4g": gpuMachine("nvidia-a100-80gb", 4, 48, 680),
    "a2-ultragpu-8g": gpuMachine("nvidia-a100-80gb", 8, 96, 1360),
    "a3-highgpu-1g": gpuMachine("nvidia-h100-80gb", 1, 26, 234),
    "a3-highgpu-2g": gpuMachine("nvidia-h100-80gb", 2, 52, 468),
    "a3-highgpu-4g": gpuMachine("nvidia-h100-80gb", 4, 104, 936),
    "a3-highgpu-8g": gpuMachine("nvidia-h100-80gb", 8, 208, 1872),
};

/** GPUs attached to N1 machines, and the counts per VM each model allows. Source: https://cloud.google.com/compute/docs/gpus */
export const GCP_N1_ACCELERATORS: Record<string, number[]> = {
    "nvidia-tesla-t4": [1, 2, 4],
    "nvidia-tesla-v100": [1, 2, 4, 8],
    "nvidia-tesla-p100": [1, 2, 4],
    "nvidia-tesla-p4": [1, 2, 4],
};

/** Every accelerator model the tables know. */
export const GCP_ACCELERATORS = [...new Set([...Object.values(GCP_GPU_MACHINES).map((m) => m.accelerator), ...Object.keys(GCP_N1_ACCELERATORS)])];

export const gcpMachineFamily = (machineType: string) => machineType.split("-")[0].toLowerCase();

/** vCPUs and memory of a GKE machine type (`n2-standard-8`, `n2-custom-8-32768`, `g2-standard-24`); undefined when unknown. */
export function gcpMachineShape(machineType: string): MachineShape | undefined {
    const gpu = GCP_GPU_MACHINES[machineType];
    if (gpu) return { vcpus: gpu.vcpus, memoryGiB: gpu.memoryGiB };
    const custom = /^([a-z0-9]+)-custom-(\d+)-(\d+)$/.exec(machineType);
    if (custom) return { vcpus: Number(custom[2]), memoryGiB: Number(custom[3]) / 1024 };
    const m = /^([a-z0-9]+)-(standard|highmem|highcpu)-(\d+)$/.exec(machineType);
    const perVcpu = m ? GCP_MACHINE_FAMILIES[m[1]]?.memoryPerVcpu[m[2] as "standard"] : undefined;
    return m && perVcpu ? { vcpus: Number(m[3]), memoryGiB: Number(m[3]) * perVcpu } : undefined;
}

/** Graduated reservation: `tiers` are [upper bound, fraction] pairs applied to each slice of `total`. */
function graduated(total: number, tiers: [number, number][]): number {
    let reserved = 0;
    let lower = 0;
    for (const [upper, fraction] of tiers) {
        if (total <= lower) break;
        reserved += (Math.min(total, upper) - lower) * fraction;
        lower = upper;
    }
    return reserved;
}

/**
 * What pods may request on a GKE Standard node: the machine minus GKE's kube-reserved and the 100 MiB
 * eviction threshold. Source: https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes
 * (CPU: 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above four; memory: 25 %
 * of the first 4 GiB, 20 % of the next 4, 10 % of the next 8, 6 % of the next 112, 2 % above 128 GiB).
 * An upper bound: GKE's own DaemonSets take a little more.
 */
export function gkeAllocatable(shape: MachineShape): MachineShape {
    const cpu = graduated(shape.vcpus, [[1, 0.06], [2, 0.01], [4, 0.005], [Infinity, 0.0025]]);
    const memory = graduated(shape.memoryGiB, [[4, 0.25], [8, 0.2], [16, 0.1], [128, 0.06], [Infinity, 0.02]]);
    return { vcpus: shape.vcpus - cpu, memoryGiB: shape.memoryGiB - memory - 100 / 1024 };
}

// ---- AWS ------------------------------------------------------------------------------------------------

/**
 * GPU instance types and the NVIDIA GPUs each carries. Source:
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html (G4dn, G5, G6, P4d, P5).
 */
export const AWS_GPU_INSTANCES: Record<string, GpuMachine> = Object.fromEntries([
    ...([["xlarge", 1, 4], ["2xlarge", 1, 8], ["4xlarge", 1, 16], ["8xlarge", 1, 32], ["12xlarge", 4, 48], ["16xlarge", 1, 64]] as const).flatMap(
        ([size, gpus, vcpus]) => [
            [`g4dn.${size}`, gpuMachine("nvidia-t4", gpus, vcpus, vcpus * 4)],
            [`g5.${size}`, gpuMachine("nvidia-a10g", gpus, vcpus, vcpus * 4)],
            [`g6.${size}`, gpuMachine("nvidia-l4", gpus, vcpus, vcpus * 4)],
        ],
    ),
    ["g4dn.metal", gpuMachine("nvidia-t4", 8, 96, 384)],
    ["g5.24xlarge", gpuMachine("nvidia-a10g", 4, 96, 384)],
    ["g5.48xlarge", gpuMachine("nvidia-a10g", 8, 192, 768)],
    ["g6.24xlarge", gpuMachine("nvidia-l4", 4, 96, 384)],
    ["g6.48xlarge", gpuMachine("nvidia-l4", 8, 192, 768)],
    ["p4d.24xlarge", gpuMachine("nvidia-a100", 8, 96, 1152)],
    ["p5.48xlarge", gpuMachine("nvidia-h100", 8, 192, 2048)],
]);

export const AWS_ACCELERATORS = [...new Set(Object.values(AWS_GPU_INSTANCES).map((m) => m.accelerator))];

/**
 * Instance families whose guests can run VMs (Kata): bare metal (`*.metal`), and the 8th-generation
 * Intel families with `cpuOptions.nestedVirtualization` in the launch template. Source:
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/amazon-ec2-nested-virtualization.html (GA 2026-02)
 * and the @pulumi/aws 7.48.0 `LaunchTemplate.cpuOptions` docs; ../shared/reference/clouds.md §3.2.
 */
export const AWS_NESTED_VIRTUALIZATION_FAMILIES = ["c8i", "m8i", "r8i", "c8i-flex", "m8i-flex", "r8i-flex"];

export const awsInstanceFamily = (instanceType: string) => instanceType.split(".")[0].toLowerCase();
export const isAwsMetal = (instanceType: string) => /\.metal(-\d+xl)?$/.test(instanceType);

/** GiB per vCPU of the general families by their letter (c compute, m general, r memory). */
const AWS_MEMORY_PER_VCPU: Record<string, number> = { c: 2, m: 4, r: 8 };
const AWS_SIZE_VCPUS: Record<string, number> = {
    large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96, "48xlarge": 192,
};

/** vCPUs and memory of an EC2 instance type (`m7i.2xlarge`, `g6.xlarge`); undefined when unknown. */
export function awsInstanceShape(instanceType: string): MachineShape | undefined {
    const gpu = AWS_GPU_INSTANCES[instanceType];
    if (gpu) return { vcpus: gpu.vcpus, memoryGiB: gpu.memoryGiB };
    const m = /^([cmr])\d+[a-z]*(-flex)?\.([0-9]*x?large)$/.exec(instanceType);
    const vcpus = m ? AWS_SIZE_VCPUS[m[3]] : undefined;
    return m && vcpus ? { vcpus, memoryGiB: vcpus * AWS_MEMORY_PER_VCPU[m[1]] } : undefined;
}

/**
 * What pods may request on an EKS AL2023 node: the EKS AMI's kube-reserved (CPU as GKE's table; memory
 * 255 MiB + 11 MiB per pod the node may run) and the 100 MiB eviction threshold. Source: the EKS AMI's
 * bootstrap (awslabs/amazon-eks-ami, nodeadm `kubelet` defaults). An upper bound, as on GKE.
 */
export function eksAllocatable(shape: MachineShape, maxPods: number): MachineShape {
    const cpu = graduated(shape.vcpus, [[1, 0.06], [2, 0.01], [4, 0.005], [Infinity, 0.0025]]);
    return { vcpus: shape.vcpus - cpu, memoryGiB: shape.memoryGiB - (255 + 11 * maxPods + 100) / 1024 };
}

// ---- Azure ----------------------------------------------------------------------------------------------

/**
 * NVIDIA VM sizes AKS supports for GPU pools (minimum NC4as_T4_v3). Source:
 * https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/ (NCasT4_v3, NC A100 v4,
 * NC H100 v5) and https://learn.microsoft.com/azure/aks/use-nvidia-gpu.
 */
export const AZURE_GPU_SIZES: Record<string, GpuMachine> = {
    Standard_NC4as_T4_v3: gpuMachine("nvidia-t4", 1, 4, 28),
    Standard_NC8as_T4_v3: gpuMachine("nvidia-t4", 1, 8, 56),
    Standard_NC16as_T4_v3: gpuMachine("nvidia-t4", 1, 16, 110),
    Standard_NC64as_T4_v3: gpuMachine("nvidia-t4", 4, 64, 440),
    Standard_NC24ads_A100_v4: gpuMachine("nvidia-a100", 1, 24, 220),
    Standard_NC48ads_A100_v4: gpuMachine("nvidia-a100", 2, 48, 440),
    Standard_NC96ads_A100_v4: gpuMachine("nvidia-a100", 4, 96, 880),
    Standard_NC40ads_H100_v5: gpuMachine("nvidia-h100", 1, 40, 320),
    Standard_NC80adis_H100_v5: gpuMachine("nvidia-h100", 2, 80, 640),
};

export const AZURE_ACCELERATORS = [...new Set(Object.values(AZURE_GPU_SIZES).map((m) => m.accelerator))];

/**
 * General-purpose series whose Generation 2 sizes support nested virtualization, which AKS Pod Sandboxing
 * (Kata) needs. Source: https://learn.microsoft.com/azure/aks/use-pod-sandboxing (e.g. Standard_D4s_v3) and
 * the series pages' "Nested virtualization: Supported" rows; ../shared/reference/clouds.md §2.2.
 */
export const AZURE_NESTED_VIRTUALIZATION_SERIES = ["Dsv3", "Dsv4", "Ddsv4", "Dsv5", "Ddsv5", "Esv3", "Esv4", "Esv5", "Edsv5", "Fsv2"];

/** `Standard_D8s_v5` → series `Dsv5`, 8 vCPUs; undefined for names outside the D/E/F pattern. */
export function azureSizeSeries(size: string): { series: string; vcpus: number; family: string } | undefined {
    const m = /^Standard_([DEF])(\d+)([a-z]*)_v(\d)$/.exec(size);
    return m ? { series: `${m[1]}${m[3]}v${m[4]}`, vcpus: Number(m[2]), family: m[1] } : undefined;
}

const AZURE_MEMORY_PER_VCPU: Record<string, number> = { D: 4, E: 8, F: 2 };

/** vCPUs and memory of an Azure VM size (`Standard_D8s_v5`, `Standard_NC4as_T4_v3`); undefined when unknown. */
export function azureSizeShape(size: string): MachineShape | undefined {
    const gpu = AZURE_GPU_SIZES[size];
    if (gpu) return { vcpus: gpu.vcpus, memoryGiB: gpu.memoryGiB };
    const series = azureSizeSeries(size);
    return series ? { vcpus: series.vcpus, memoryGiB: series.vcpus * AZURE_MEMORY_PER_VCPU[series.family] } : undefined;
}

/**
 * What pods may request on an AKS node (Kubernetes ≥ 1.29): CPU reserved as on GKE and EKS; memory
 * kube-reserved of 20 MiB per pod the node may run plus 50 MiB, at most 25 % of the node, and the 100 MiB
 * eviction threshold. Source: https://learn.microsoft.com/azure/aks/node-resource-reservations. An upper bound.
 */
export function aksAllocatable(shape: MachineShape, maxPods: number): MachineShape {
    const cpu = graduated(shape.vcpus, [[1, 0.06], [2, 0.01], [4, 0.005], [Infinity, 0.0025]]);
    const memory = Math.min((20 * maxPods + 50) / 1024, shape.memoryGiB * 0.25);
    return { vcpus: shape.vcpus - cpu, memoryGiB: shape.memoryGiB - memory - 100 / 1024 };
}
