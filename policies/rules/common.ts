// Shared pieces of the rule modules: the rule type, type matching, property access that tolerates
// missing fields, and CIDR arithmetic (IPv4 through the spec validator's own parser).
import {
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
    UnknownValueError,
} from "@pulumi/policy";
import { cidrsOverlap, Ipv4Cidr, isWholeInternet, parseIpv4Cidr } from "../../components/spec/validate";

/** Every Cloister rule is mandatory unless a stack's policy config says otherwise. */
export const DEFAULT_ENFORCEMENT: EnforcementLevel = "mandatory";

export type CloisterPolicy = (ResourceValidationPolicy | StackValidationPolicy) & { enforcementLevel: EnforcementLevel };
export type CloisterResourcePolicy = ResourceValidationPolicy & { enforcementLevel: EnforcementLevel };
export type CloisterStackPolicy = StackValidationPolicy & { enforcementLevel: EnforcementLevel };

/** The description a user sees with a violation: what is wrong, then how to fix it. */
export function describe(what: string, fix: string): string {
    return `${what} Fix: ${fix}`;
}

/**
 * A resource validation that runs only for the given type tokens (exact strings or patterns) and
 * tells the engine the rule does not apply to anything else.
 */
export function forTypes(
    types: (string | RegExp)[],
    validate: (props: Record<string, any>, args: ResourceValidationArgs, report: ReportViolation) => void,
): (args: ResourceValidationArgs, report: ReportViolation) => void {
    return (args, report) => {
        if (!matchesType(args.type, types)) {
            return args.notApplicable(`applies only to ${types.map(String).join(", ")}`);
        }
        validate(args.props ?? {}, args, report);
    };
}

export function matchesType(type: string, types: (string | RegExp)[]): boolean {
    return types.some((t) => (typeof t === "string" ? t === type : t.test(type)));
}

export const ofTypes = (resources: PolicyResource[], types: (string | RegExp)[]) =>
    resources.filter((r) => matchesType(r.type, types));

/** The value `read` returns, or `fallback` when it touches a value unknown during preview. */
export function known<T>(read: () => T, fallback: T): T {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return fallback;
        throw e;
    }
}

/** Reads a nested property; undefined when any step is missing or not an object. */
export function get(obj: unknown, path: string): any {
    let cur: any = obj;
    for (const key of path.split(".")) {
        if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
        cur = cur[key];
    }
    return cur;
}

export const asArray = <T = any>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
export const asRecord = (v: unknown): Record<string, any> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, any>) : {};

/** Booleans may arrive as strings from some providers' inputs. */
export const isTrue = (v: unknown) => v === true || v === "true";
export const isFalse = (v: unknown) => v === false || v === "false";
export const nonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** A taint effect as GKE (`NO_SCHEDULE`), EKS (`NO_SCHEDULE`) or Kubernetes (`NoSchedule`) spells it. */
export const isNoSchedule = (effect: unknown) =>
    typeof effect === "string" && effect.replace(/_/g, "").toLowerCase() === "noschedule";

// ---------------------------------------------------------------------------------------------
// CIDRs

export interface Cidr {
    family: 4 | 6;
    base: bigint;
    prefix: number;
}

function parseIpv6(address: string): bigint | undefined {
    if (!/^[0-9a-fA-F:]+$/.test(address) || address.split("::").length > 2) return undefined;
    const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
    const headParts = head ? head.split(":") : [];
    const tailParts = tail ? tail.split(":") : [];
    const missing = 8 - headParts.length - tailParts.length;
    if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
    const groups = [...headParts, ...Array(tail === undefined ? 0 : missing).fill("0"), ...tailParts];
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/**
 * Parses an IPv4 CIDR with the spec validator's parser (host bits must be zero) or an IPv6 CIDR;
 * undefined for anything else.
 */
export function parseCidr(cidr: unknown): Cidr | undefined {
    if (typeof cidr !== "string") return undefined;
    const text = cidr.trim();
    if (!text.includes(":")) {
        const v4: Ipv4Cidr | undefined = parseIpv4Cidr(text);
        return v4 ? { family: 4, base: BigInt(v4.base), prefix: v4.prefix } : undefined;
    }
    const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text);
    if (!m || Number(m[2]) > 128) return undefined;
    const base = parseIpv6(m[1]);
    if (base === undefined) return undefined;
    const prefix = Number(m[2]);
    const hostBits = 128n - BigInt(prefix);
    if (base % (1n << hostBits) !== 0n) return undefined;
    return { family: 6, base, prefix };
}

const bits = (c: Cidr) => (c.family === 4 ? 32 : 128);
const end = (c: Cidr) => c.base + (1n << BigInt(bits(c) - c.prefix));

/** `outer` contains every address of `inner`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return outer.family === inner.family && outer.prefix <= inner.prefix && outer.base <= inner.base && end(inner) <= end(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    if (a.family !== b.family) return false;
    if (a.family === 4) {
        // The spec validator's own overlap test.
        return cidrsOverlap({ base: Number(a.base), prefix: a.prefix }, { base: Number(b.base), prefix: b.prefix });
    }
    return a.base < end(b) && b.base < end(a);
}

/**
 * True when a CIDR string admits every address of its family: `0.0.0.0/0` (decided by the same
 * `isWholeInternet` the spec validator uses for `network.authorizedNetworks`) or `::/0`.
 * Anything ending in `/0` counts, even if not canonical.
 */
export function opensToInternet(cidr: unknown): boolean {
    if (typeof cidr !== "string") return false;
    const v4 = parseIpv4Cidr(cidr.trim());
    if (v4) return isWholeInternet(v4);
    return /\/0$/.test(cidr.trim());
}
