// Runs the `cloister` pack's rules the way the policy analyzer does, without starting it: hand-built
// ResourceValidationArgs / StackValidationArgs (with stackTags and notApplicable), and an adapter that
// turns an offline plan into the resources a stack policy sees.
import {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
    UnknownValueError,
} from "@pulumi/policy";
import type { Plan } from "./plan";
import type { CloisterPolicy } from "../policies/rules/common";

export class NotApplicable extends Error {
    constructor(public readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}

export interface Outcome {
    violations: { message: string; urn?: string }[];
    /** Set when the rule called notApplicable. */
    notApplicable?: string;
    /** Set when the rule touched a value unknown during preview (the analyzer downgrades this to advisory). */
    unknown?: string;
}

const isResourcePolicy = (p: CloisterPolicy): p is ResourceValidationPolicy & CloisterPolicy => "validateResource" in p;
const isStackPolicy = (p: CloisterPolicy): p is StackValidationPolicy & CloisterPolicy => "validateStack" in p;

export function options(protect = false, parent?: string): PolicyResourceOptions {
    return {
        protect,
        ignoreChanges: [],
        aliases: [],
        additionalSecretOutputs: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        parent,
    };
}

const typeOf = (cls: any) => cls?.__pulumiType;

export interface ResourceInput {
    type: string;
    props: Record<string, any>;
    name?: string;
    urn?: string;
    protect?: boolean;
    config?: Record<string, unknown>;
}

export function resourceArgs(input: ResourceInput): ResourceValidationArgs {
    const name = input.name ?? "r";
    return {
        type: input.type,
        props: input.props,
        urn: input.urn ?? `urn:pulumi:test::cloister::${input.type}::${name}`,
        name,
        opts: options(input.protect ?? false),
        stackTags: new Map(),
        isType: (cls) => typeOf(cls) === input.type,
        asType: ((cls: any) => (typeOf(cls) === input.type ? input.props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => (input.config ?? {}) as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

async function collect(run: (report: (message: string, urn?: string) => void) => unknown): Promise<Outcome> {
    const outcome: Outcome = { violations: [] };
    try {
        await run((message, urn) => outcome.violations.push({ message, urn }));
    } catch (e) {
        if (e instanceof NotApplicable) outcome.notApplicable = e.reason ?? "";
        else if (e instanceof UnknownValueError) outcome.unknown = (e as Error).message;
        else throw e;
    }
    return outcome;
}

/** Runs a resource policy's validations over one resource. */
export async function checkResource(policy: CloisterPolicy, input: ResourceInput): Promise<Outcome> {
    if (!isResourcePolicy(policy)) throw new Error(`${policy.name} is not a resource policy`);
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    const args = resourceArgs(input);
    const outcome: Outcome = { violations: [] };
    for (const validate of validations) {
        const one = await collect((report) => validate(args, report));
        outcome.violations.push(...one.violations);
        outcome.notApplicable ??= one.notApplicable;
        outcome.unknown ??= one.unknown;
    }
    return outcome;
}

/** The messages a resource policy reports for one resource. */
export async function violations(policy: CloisterPolicy, type: string, props: Record<string, any>, extra: Partial<ResourceInput> = {}) {
    return (await checkResource(policy, { type, props, ...extra })).violations.map((v) => v.message);
}

export interface StackResourceInput {
    type: string;
    name: string;
    props?: Record<string, any>;
    protect?: boolean;
    parent?: PolicyResource;
    dependencies?: PolicyResource[];
    propertyDependencies?: Record<string, PolicyResource[]>;
}

export function stackResource(input: StackResourceInput): PolicyResource {
    const urn = `urn:pulumi:test::cloister::${input.parent ? input.parent.type + "$" : ""}${input.type}::${input.name}`;
    return {
        type: input.type,
        name: input.name,
        urn,
        props: input.props ?? {},
        opts: options(input.protect ?? false, input.parent?.urn),
        parent: input.parent,
        dependencies: input.dependencies ?? [],
        propertyDependencies: input.propertyDependencies ?? {},
        isType: (cls) => typeOf(cls) === input.type,
        asType: ((cls: any) => (typeOf(cls) === input.type ? input.props : undefined)) as PolicyResource["asType"],
    };
}

export function stackArgs(resources: PolicyResource[], config: Record<string, unknown> = {}): StackValidationArgs {
    return {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

export async function checkStack(policy: CloisterPolicy, resources: PolicyResource[], config: Record<string, unknown> = {}): Promise<Outcome> {
    if (!isStackPolicy(policy)) throw new Error(`${policy.name} is not a stack policy`);
    return collect((report) => policy.validateStack(stackArgs(resources, config), report));
}

export async function stackViolations(policy: CloisterPolicy, resources: PolicyResource[], config: Record<string, unknown> = {}) {
    return (await checkStack(policy, resources, config)).violations.map((v) => v.message);
}

// ---------------------------------------------------------------------------------------------
// Offline plan → policy resources

/** The engine's sentinel for an unknown string; the plan prints it as this marker. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const PLAN_UNKNOWN = "<known after deploy: computed>";

function withUnknowns(value: unknown): unknown {
    if (value === PLAN_UNKNOWN) return UNKNOWN_STRING;
    if (Array.isArray(value)) return value.map(withUnknowns);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknowns(v)]));
    return value;
}

/**
 * The plan's resources as a stack policy sees them: props = inputs (unknowns checked as in preview),
 * opts.protect, name, a URN built from the parent chain, parent and dependencies as objects.
 */
export function planResources(plan: Plan): PolicyResource[] {
    const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
    const byKey = new Map(plan.resources.map((r) => [key(r), r]));
    const urns = new Map<string, string>();
    const urnOf = (k: string): string => {
        const cached = urns.get(k);
        if (cached) return cached;
        const r = byKey.get(k)!;
        const chain: string[] = [];
        for (let p = r.parent ? byKey.get(r.parent) : undefined; p; p = p.parent ? byKey.get(p.parent) : undefined) chain.unshift(p.type);
        const urn = `urn:pulumi:${plan.stack}::cloister::${[...chain, r.type].join("$")}::${r.name}`;
        urns.set(k, urn);
        return urn;
    };
    const resources = new Map<string, PolicyResource>();
    for (const r of plan.resources) {
        const props = unknownCheckingProxy(withUnknowns(r.inputs)) as Record<string, any>;
        resources.set(key(r), {
            type: r.type,
            name: r.name,
            urn: urnOf(key(r)),
            props,
            opts: options(r.options.protect, r.parent ? urnOf(r.parent) : undefined),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => typeOf(cls) === r.type,
            asType: ((cls: any) => (typeOf(cls) === r.type ? props : undefined)) as PolicyResource["asType"],
        });
    }
    for (const r of plan.resources) {
        const resource = resources.get(key(r))!;
        if (r.parent) resource.parent = resources.get(r.parent);
        resource.dependencies = r.dependsOn.map((d) => resources.get(d)).filter((d): d is PolicyResource => d !== undefined);
    }
    return [...resources.values()];
}

export interface Finding {
    policy: string;
    enforcementLevel: string;
    resource?: string;
    message: string;
}

/**
 * Runs every rule over a set of resources as the analyzer does: resource rules per resource, stack
 * rules once. Returns violations and, separately, the runs that stopped on a preview-unknown value.
 */
export async function runAll(
    policies: CloisterPolicy[],
    resources: PolicyResource[],
    config: Record<string, Record<string, unknown>> = {},
): Promise<{ violations: Finding[]; unknowns: Finding[] }> {
    const violations: Finding[] = [];
    const unknowns: Finding[] = [];
    for (const policy of policies) {
        const level = (config[policy.name]?.enforcementLevel as string | undefined) ?? policy.enforcementLevel;
        if (level === "disabled") continue;
        const record = (outcome: Outcome, resource?: string) => {
            for (const v of outcome.violations) violations.push({ policy: policy.name, enforcementLevel: level, resource: v.urn ?? resource, message: v.message });
            if (outcome.unknown) unknowns.push({ policy: policy.name, enforcementLevel: level, resource, message: outcome.unknown });
        };
        if (isStackPolicy(policy)) {
            record(await checkStack(policy, resources, config[policy.name] ?? {}));
            continue;
        }
        for (const r of resources) {
            const outcome = await checkResource(policy, {
                type: r.type,
                props: r.props,
                name: r.name,
                urn: r.urn,
                protect: r.opts.protect,
                config: config[policy.name] ?? {},
            });
            record(outcome, r.urn);
        }
    }
    return { violations, unknowns };
}
