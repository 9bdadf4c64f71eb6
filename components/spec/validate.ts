// The pure, cloud-neutral validator. It never throws: it returns every problem with the field path and
// what would be valid, so a user fixes a config in one pass. Components turn the list into one
// `pulumi.InputPropertiesError` before registering anything; the policy pack calls the same checks.
import * as fs from "fs";
import * as nodePath from "path";
import { AGENT_SANDBOX_CRD_FILES } from "../kubernetes/controlPlane";
import { SNAPSHOT_CRD_FILES } from "../kubernetes/storage";
import { isComputed } from "./schema";
import { DEFAULT_RUNTIME_HANDLER, resolveSpec, ResolvedPool, sharedPoolLabels } from "./defaults";
import { checkShape } from "./schema";
import {
    DataProtection,
    EgressMode,
    Isolation,
    PlatformSpec,
    PoolSpec,
    ReclaimPolicy,
    RouterAuth,
    StorageTier,
    TaintEffect,
    Target,
} from "./types";

export interface SpecProblem {
    /** Field path, e.g. `sandboxPools[1].minNodes`. */
    path: string;
    reason: string;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const RELEASE_TAG = /^v(\d+)\.(\d+)\.(\d+)$/;
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const oneOf = (values: object) => Object.values(values).map((v) => `"${v}"`).join(", ");

/** A parsed IPv4 CIDR: first address and prefix length. */
export interface Ipv4Cidr {
    base: number;
    prefix: number;
}

/** A dated gVisor release (`20260921.0`), never `latest`: the problem with `value` at `path`, if any. @internal */
export function gvisorReleaseProblems(path: string, value: string | undefined): SpecProblem[] {
    return value === undefined || /^\d{8}(\.\d+)?$/.test(value)
        ? []
        : [{ path, reason: `${JSON.stringify(value)} must be a dated gVisor release such as "20260921.0" (never "latest")` }];
}

/** Parses `a.b.c.d/n`; returns undefined for anything else, including host bits set. @internal */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined;
    return { base, prefix };
}

/**
 * True for a range that admits every IPv4 address (`0.0.0.0/0`). The validator refuses it in
 * `network.authorizedNetworks`; the policy pack refuses it wherever a cluster endpoint is opened.
 * @internal
 */
export function isWholeInternet(cidr: Ipv4Cidr): boolean {
    return cidr.prefix === 0;
}

/** @internal */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    const aEnd = a.base + 2 ** (32 - a.prefix);
    const bEnd = b.base + 2 ** (32 - b.prefix);
    return a.base < bEnd && b.base < aEnd;
}

/** Checks a CIDR field; returns the parsed value when valid. */
function checkCidr(problems: SpecProblem[], path: string, value: unknown): Ipv4Cidr | undefined {
    const parsed = typeof value === "string" ? parseIpv4Cidr(value) : undefined;
    if (!parsed) {
        problems.push({
            path,
            reason: `${JSON.stringify(value)} is not an IPv4 CIDR with its host bits zero (e.g. "10.0.0.0/16")`,
        });
    }
    return parsed;
}

function checkInt(problems: SpecProblem[], path: string, value: unknown, min: number, max: number): boolean {
    if (value === undefined) return true;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        problems.push({ path, reason: `${JSON.stringify(value)} must be a whole number from ${min} to ${max}` });
        return false;
    }
    return true;
}

function checkEnum(problems: SpecProblem[], path: string, value: unknown, values: object, required = false) {
    if (value === undefined && !required) return;
    if (!Object.values(values).includes(value)) {
        problems.push({ path, reason: `${JSON.stringify(value)} is not one of ${oneOf(values)}` });
    }
}

function checkDnsLabel(problems: SpecProblem[], path: string, value: unknown, maxLength: number) {
    if (typeof value !== "string" || !DNS_LABEL.test(value) || value.length > maxLength) {
        problems.push({
            path,
            reason: `${JSON.stringify(value)} must be a DNS label: lowercase letters, digits and "-", starting with a letter, at most ${maxLength} characters`,
        });
    }
}

function checkQuantity(problems: SpecProblem[], path: string, value: unknown) {
    if (value === undefined) return;
    if (typeof value === "number" && Number.isFinite(value) && value > 0) return;
    if (typeof value !== "string" || !QUANTITY.test(value) || Number.parseFloat(value) <= 0) {
        problems.push({ path, reason: `${JSON.stringify(value)} is not a positive Kubernetes quantity (e.g. "500m", "2", "4Gi")` });
    }
}

/**
 * A URL or path setting: an https:// URL prefix (fetched at deploy time), or a local directory that holds
 * the named files now, at plan time. Plain http and other schemes are refused.
 */
function checkSource(problems: SpecProblem[], path: string, value: string | undefined, files: string[], what: string) {
    if (value === undefined) return;
    if (/^https:\/\/[^/\s]+/.test(value)) return;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.trim() === "") {
        problems.push({ path, reason: `${JSON.stringify(value)} must be an https:// URL prefix or a local directory holding ${what}` });
        return;
    }
    const missing = files.filter((f) => !fs.existsSync(nodePath.join(value, f)));
    if (missing.length > 0) {
        problems.push({ path, reason: `the local directory ${JSON.stringify(value)} lacks ${missing.join(", ")} (${what})` });
    }
}

function checkStringList(problems: SpecProblem[], path: string, value: unknown) {
    if (value === undefined) return;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        problems.push({ path, reason: 'must be a list of strings (e.g. ["python3", "-m", "http.server"])' });
    }
}

function checkMinMax(problems: SpecProblem[], path: string, pool: { minNodes?: number; maxNodes?: number }, defaultMin: number) {
    const minOk = checkInt(problems, `${path}.minNodes`, pool.minNodes, 0, 1000);
    const maxOk = checkInt(problems, `${path}.maxNodes`, pool.maxNodes, 1, 1000);
    const min = pool.minNodes ?? defaultMin;
    const max = pool.maxNodes ?? 3;
    if (minOk && maxOk && min > max) {
        problems.push({ path: `${path}.minNodes`, reason: `minNodes (${min}) must not exceed maxNodes (${max})` });
    }
}

function checkPool(problems: SpecProblem[], path: string, pool: PoolSpec & { isolation?: unknown }) {
    checkDnsLabel(problems, `${path}.name`, pool.name, 30);
    checkEnum(problems, `${path}.isolation`, pool.isolation, Isolation, true);
    checkMinMax(problems, path, pool, 0);
    checkInt(problems, `${path}.diskSizeGb`, pool.diskSizeGb, 10, 65536);
    (pool.zones ?? []).forEach((zone, i) => {
        if (typeof zone !== "string" || zone.length === 0) {
            problems.push({ path: `${path}.zones[${i}]`, reason: "a zone must be a non-empty string" });
        }
    });
    for (const [key, value] of Object.entries(pool.nodeLabels ?? {})) {
        if (!LABEL_KEY.test(key) || typeof value !== "string" || !LABEL_VALUE.test(value)) {
            problems.push({ path: `${path}.nodeLabels["${key}"]`, reason: "not a valid Kubernetes label key/value" });
        }
    }
    (pool.taints ?? []).forEach((taint, i) => {
        if (typeof taint?.key !== "string" || !LABEL_KEY.test(taint.key)) {
            problems.push({ path: `${path}.taints[${i}].key`, reason: `${JSON.stringify(taint?.key)} is not a valid taint key` });
        }
        checkEnum(problems, `${path}.taints[${i}].effect`, taint?.effect, TaintEffect, true);
    });
}

function checkNetwork(problems: SpecProblem[], spec: PlatformSpec) {
    const network = spec.network ?? {};
    const ranges: [string, Ipv4Cidr][] = [];
    for (const field of ["vpcCidr", "podCidr", "serviceCidr"] as const) {
        if (network[field] === undefined) continue;
        const parsed = checkCidr(problems, `network.${field}`, network[field]);
        if (parsed) ranges.push([field, parsed]);
    }
    const resolved = resolveSpec({ ...spec, network: { ...network } }).network;
    const effective: [string, Ipv4Cidr | undefined][] = [
        ["vpcCidr", parseIpv4Cidr(resolved.vpcCidr)],
        ["podCidr", parseIpv4Cidr(resolved.podCidr)],
        ["serviceCidr", parseIpv4Cidr(resolved.serviceCidr)],
    ];
    for (let i = 0; i < effective.length; i++) {
        for (let j = i + 1; j < effective.length; j++) {
            const [aName, a] = effective[i];
            const [bName, b] = effective[j];
            if (a && b && cidrsOverlap(a, b)) {
                problems.push({
                    path: `network.${bName}`,
                    reason: `${bName} ${(resolved as Record<string, unknown>)[bName]} overlaps ${aName} ${(resolved as Record<string, unknown>)[aName]}; the three ranges must be disjoint`,
                });
            }
        }
    }
    const authorized = network.authorizedNetworks ?? [];
    if (!Array.isArray(authorized)) {
        problems.push({ path: "network.authorizedNetworks", reason: "must be a list of CIDRs" });
    } else {
        authorized.forEach((cidr, i) => {
            const parsed = checkCidr(problems, `network.authorizedNetworks[${i}]`, cidr);
            if (parsed && isWholeInternet(parsed)) {
                problems.push({
                    path: `network.authorizedNetworks[${i}]`,
                    reason: "0.0.0.0/0 opens the Kubernetes API to the internet; list the networks that administer the cluster",
                });
            }
        });
        if (resolved.privateEndpoint && authorized.length > 0) {
            problems.push({
                path: "network.authorizedNetworks",
                reason: "a private endpoint is reachable only from inside the network: set network.privateEndpoint to false to allow these networks, or remove them",
            });
        }
    }
    checkInt(problems, "network.maxPodsPerNode", network.maxPodsPerNode, 8, 256);
}

/** Where templates can land: a pool's isolation and GPUs per node (0 for pools without GPUs). */
export interface PlacementPool {
    isolation: string;
    gpus: number;
}

/** The template fields on their own, without asking where the template lands. */
function checkTemplates(problems: SpecProblem[], spec: PlatformSpec) {
    const seen = new Set<string>();
    (spec.templates ?? []).forEach((t, i) => {
        const path = `templates[${i}]`;
        checkDnsLabel(problems, `${path}.name`, t.name, 40);
        if (seen.has(t.name)) problems.push({ path: `${path}.name`, reason: `template name "${t.name}" is used twice; names must be unique` });
        seen.add(t.name);
        if (!isComputed(t.image) && (typeof t.image !== "string" || t.image.trim() === "" || /\s/.test(t.image))) {
            problems.push({ path: `${path}.image`, reason: "must be a container image reference (e.g. \"python:3.12-slim\")" });
        }
        checkEnum(problems, `${path}.isolation`, t.isolation, Isolation, true);
        checkQuantity(problems, `${path}.cpu`, t.cpu);
        checkQuantity(problems, `${path}.memory`, t.memory);
        checkInt(problems, `${path}.volumeSizeGb`, t.volumeSizeGb, 0, 65536);
        checkInt(problems, `${path}.warmPoolSize`, t.warmPoolSize, 0, 1000);
        checkEnum(problems, `${path}.egress`, t.egress, EgressMode);
        checkStringList(problems, `${path}.command`, t.command);
        checkStringList(problems, `${path}.args`, t.args);
        for (const [key, value] of Object.entries(t.env ?? {})) {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || typeof value !== "string") {
                problems.push({ path: `${path}.env["${key}"]`, reason: "an environment variable needs a name of letters, digits and \"_\" (not starting with a digit) and a string value" });
            }
        }
        checkInt(problems, `${path}.port`, t.port, 1, 65535);
        checkQuantity(problems, `${path}.ephemeralStorage`, t.ephemeralStorage);
        checkInt(problems, `${path}.gpu`, t.gpu, 0, 16);
    });
}

/**
 * Templates must land on a pool that provides their isolation (and GPUs, where they ask for them).
 * `poolsField` names where the pools come from in messages: the spec's pools, or the cluster facts
 * a SandboxRuntime was given.
 * @internal
 */
export function placementProblems(templates: PlatformSpec["templates"], pools: PlacementPool[], poolsField: "spec" | "facts.pools"): SpecProblem[] {
    const problems: SpecProblem[] = [];
    const addPool = (kind: string) => (poolsField === "spec" ? `add a ${kind} entry with` : `the cluster needs a pool (facts.pools) with`);
    (templates ?? []).forEach((t, i) => {
        const path = `templates[${i}]`;
        const gpus = t.gpu ?? 0;
        if (!Object.values(Isolation).includes(t.isolation) || !Number.isInteger(gpus) || gpus < 0) return;
        const candidates = pools.filter((p) => p.isolation === t.isolation && (gpus > 0) === (p.gpus > 0));
        if (gpus === 0 && candidates.length === 0) {
            const provided = [...new Set(pools.filter((p) => p.gpus === 0).map((p) => p.isolation))];
            problems.push({
                path: `${path}.isolation`,
                reason: `no sandbox pool provides "${t.isolation}" isolation; pools provide ${provided.length ? provided.map((v) => `"${v}"`).join(", ") : "none"}: ${addPool("sandboxPools")} isolation "${t.isolation}" or change the template`,
            });
        }
        if (gpus > 0 && candidates.length === 0) {
            problems.push({
                path: `${path}.gpu`,
                reason: `the template asks for ${gpus} GPU(s) but no GPU pool has isolation "${t.isolation}": ${addPool("gpuPools")} that isolation or set gpu to 0`,
            });
        } else if (gpus > 0 && !candidates.some((p) => p.gpus >= gpus)) {
            problems.push({
                path: `${path}.gpu`,
                reason: `the template asks for ${gpus} GPU(s) but no "${t.isolation}" GPU pool has that many per node`,
            });
        }
    });
    return problems;
}

function checkExistingCluster(problems: SpecProblem[], spec: PlatformSpec, pools: ResolvedPool[]) {
    if (!spec.cluster?.storageProvisioner) {
        problems.push({
            path: "cluster.storageProvisioner",
            reason: "the kubernetes target needs the cluster's CSI provisioner for sandbox volumes (e.g. \"ebs.csi.aws.com\", \"pd.csi.storage.gke.io\", \"disk.csi.azure.com\")",
        });
    }
    (spec.cluster?.apiServerCidrs ?? []).forEach((c, i) => checkCidr(problems, `cluster.apiServerCidrs[${i}]`, c));
    for (const isolation of Object.values(Isolation)) {
        const same = pools.filter((p) => p.isolation === isolation && !p.existingRuntimeClass);
        if (same.length > 1 && Object.keys(sharedPoolLabels(same)).length === 0) {
            problems.push({
                path: "sandboxPools",
                reason: `the "${isolation}" pools share no node label, so one RuntimeClass cannot select them all: give them a common label (the default "cloister.dev/isolation" does)`,
            });
        }
        const handlers = new Set(same.map((p) => p.runtimeHandler));
        if (handlers.size > 1) {
            problems.push({
                path: "sandboxPools",
                reason: `the "${isolation}" pools declare different runtime handlers (${[...handlers].join(", ")}); one RuntimeClass has one handler`,
            });
        }
    }
}

/**
 * Every problem with a spec, cloud-neutral checks only; an empty list means valid. With
 * `placementInFacts`, where templates land is left to the caller, which checks it against cluster facts.
 */
export function validateSpec(spec: PlatformSpec, keyPrefix = "", placementInFacts = false): SpecProblem[] {
    const problems: SpecProblem[] = [];
    if (typeof spec !== "object" || spec === null) {
        return [{ path: "", reason: "the platform spec must be an object" }];
    }
    // Shape first (keys, types, enums, lists vs maps): the semantic checks below assume it.
    const shape = checkShape(spec, keyPrefix);
    if (shape.length > 0) return shape;
    checkEnum(problems, "target", spec.target, Target, true);
    checkDnsLabel(problems, "name", spec.name, 20);
    if (spec.target !== Target.Kubernetes && spec.target !== undefined && !spec.region) {
        problems.push({ path: "region", reason: `target "${spec.target}" needs a cloud region (e.g. "us-central1")` });
    }
    if (spec.kubernetesVersion !== undefined && !/^1\.\d{2}$/.test(spec.kubernetesVersion)) {
        problems.push({ path: "kubernetesVersion", reason: `${JSON.stringify(spec.kubernetesVersion)} must be a minor version such as "1.36"` });
    }
    checkEnum(problems, "dataProtection", spec.dataProtection, DataProtection);
    checkNetwork(problems, spec);

    checkMinMax(problems, "systemPool", spec.systemPool ?? {}, 1);
    checkInt(problems, "systemPool.diskSizeGb", spec.systemPool?.diskSizeGb, 10, 65536);

    const poolNames = new Set<string>();
    const allPools = [
        ...(spec.sandboxPools ?? []).map((p, i) => [p, `sandboxPools[${i}]`] as const),
        ...(spec.gpuPools ?? []).map((p, i) => [p, `gpuPools[${i}]`] as const),
    ];
    for (const [pool, path] of allPools) {
        checkPool(problems, path, pool);
        if (poolNames.has(pool.name)) problems.push({ path: `${path}.name`, reason: `pool name "${pool.name}" is used twice; names must be unique across sandboxPools and gpuPools` });
        poolNames.add(pool.name);
        if (pool.runtimeHandler !== undefined && !DNS_LABEL.test(pool.runtimeHandler)) {
            problems.push({ path: `${path}.runtimeHandler`, reason: `${JSON.stringify(pool.runtimeHandler)} is not a valid handler name (a DNS label such as "${DEFAULT_RUNTIME_HANDLER.gvisor}")` });
        }
    }
    (spec.gpuPools ?? []).forEach((pool, i) => {
        if (typeof pool.acceleratorType !== "string" || pool.acceleratorType === "") {
            problems.push({ path: `gpuPools[${i}].acceleratorType`, reason: "name the GPU model as the cloud does (e.g. \"nvidia-l4\")" });
        }
        checkInt(problems, `gpuPools[${i}].acceleratorCount`, pool.acceleratorCount, 1, 16);
    });

    checkEnum(problems, "storage.tier", spec.storage?.tier, StorageTier);
    checkEnum(problems, "storage.reclaimPolicy", spec.storage?.reclaimPolicy, ReclaimPolicy);
    checkInt(problems, "snapshotBucket.retentionDays", spec.snapshotBucket?.retentionDays, 1, 3650);

    const control = spec.controlPlane ?? {};
    if (control.version !== undefined) {
        const m = RELEASE_TAG.exec(control.version);
        if (!m || Number(m[1]) < 1) {
            problems.push({ path: "controlPlane.version", reason: `${JSON.stringify(control.version)} must be an agent-sandbox release tag v1.0.0 or later (e.g. "v1.0.10"); earlier releases serve other API versions` });
        }
    }
    checkInt(problems, "controlPlane.replicas", control.replicas, 1, 5);
    if (control.imageRegistry !== undefined && !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/.test(control.imageRegistry)) {
        problems.push({ path: "controlPlane.imageRegistry", reason: `${JSON.stringify(control.imageRegistry)} must be a registry host and optional path without a scheme (e.g. "mirror.example.com/k8s")` });
    }
    for (const field of ["controllerImageDigest", "routerImageDigest"] as const) {
        const digest = control[field];
        if (digest && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
            problems.push({ path: `controlPlane.${field}`, reason: `${JSON.stringify(digest)} must be an image digest "sha256:" followed by 64 lowercase hex digits (crane digest <image>:<tag>)` });
        }
    }
    checkSource(problems, "controlPlane.crdSource", control.crdSource, AGENT_SANDBOX_CRD_FILES, "the agent-sandbox CRD files");
    checkSource(problems, "storage.snapshotCrdSource", spec.storage?.snapshotCrdSource, SNAPSHOT_CRD_FILES, "the CSI snapshot CRD files");
    const controlNamespace = control.namespace ?? "agent-sandbox-system";
    if (control.namespace !== undefined) checkDnsLabel(problems, "controlPlane.namespace", control.namespace, 63);
    checkInt(problems, "controlPlane.routerReplicas", control.routerReplicas, 1, 10);
    checkEnum(problems, "controlPlane.routerAuth", control.routerAuth, RouterAuth);
    if (control.routerTokenAudience !== undefined && (typeof control.routerTokenAudience !== "string" || !/^\S+$/.test(control.routerTokenAudience))) {
        problems.push({ path: "controlPlane.routerTokenAudience", reason: "must be a non-empty audience without spaces (e.g. \"sandbox-router\")" });
    }
    if (control.monitoringNamespace) checkDnsLabel(problems, "controlPlane.monitoringNamespace", control.monitoringNamespace, 63);
    const sandboxNamespace = spec.sandboxNamespace?.name ?? "sandboxes";
    if (spec.sandboxNamespace?.name !== undefined) checkDnsLabel(problems, "sandboxNamespace.name", sandboxNamespace, 63);
    if (sandboxNamespace === controlNamespace || RESERVED_NAMESPACES.includes(sandboxNamespace)) {
        problems.push({ path: "sandboxNamespace.name", reason: `"${sandboxNamespace}" is a system or control-plane namespace; sandboxes need a namespace of their own` });
    }
    checkQuantity(problems, "sandboxNamespace.cpuQuota", spec.sandboxNamespace?.cpuQuota);
    checkQuantity(problems, "sandboxNamespace.memoryQuota", spec.sandboxNamespace?.memoryQuota);
    checkInt(problems, "sandboxNamespace.podQuota", spec.sandboxNamespace?.podQuota, 1, 100000);
    checkInt(problems, "sandboxNamespace.gpuQuota", spec.sandboxNamespace?.gpuQuota, 0, 10000);
    checkQuantity(problems, "sandboxNamespace.ephemeralStorageQuota", spec.sandboxNamespace?.ephemeralStorageQuota);

    const pools = resolveSpec(spec).pools;
    checkTemplates(problems, spec);
    if (!placementInFacts) {
        problems.push(...placementProblems(spec.templates, pools.map((p) => ({ isolation: p.isolation, gpus: p.gpu?.acceleratorCount ?? 0 })), "spec"));
    }
    if (spec.target === Target.Kubernetes) checkExistingCluster(problems, spec, pools);
    return problems;
}
