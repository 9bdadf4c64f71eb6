// The one way in: every component (and the stack) validates and resolves its spec through `prepareSpec`,
// which runs the cloud-neutral checks, the target's own rules and the capacity math once per spec object.
// The offline plan and the policy pack call `validatePlatformSpec` for the same list of problems.
import * as pulumi from "@pulumi/pulumi";
import { eksCapacityFacts, validateAwsSpec } from "./aws/validate";
import { aksCapacityFacts, validateAzureSpec } from "./azure/validate";
import { gkeCapacityFacts, validateGcpSpec, withGcpProject } from "./gcp/validate";
import { existingClusterCapacityFacts } from "./kubernetes/facts";
import { checkCapacity, CapacityFacts } from "./spec/capacity";
import { resolveSpec, ResolvedSpec } from "./spec/defaults";
import { PlatformSpec, Target } from "./spec/types";
import { SpecProblem, validateSpec } from "./spec/validate";

/** Copies the `gcp:project` provider config into a GCP spec that names no project. @internal */
export function withConfiguredGcpProject(spec: PlatformSpec): PlatformSpec {
    return spec?.target === Target.Gcp ? withGcpProject(spec, new pulumi.Config("gcp").get("project")) : spec;
}

function capacityFacts(spec: ResolvedSpec): CapacityFacts {
    if (spec.target === Target.Gcp) return gkeCapacityFacts;
    if (spec.target === Target.Aws) return eksCapacityFacts;
    if (spec.target === Target.Azure) return aksCapacityFacts;
    return existingClusterCapacityFacts;
}

/** Every problem with a spec, and (when there is none) the computed capacity lines. */
function check(spec: PlatformSpec, keyPrefix: string, placementInFacts = false): { problems: SpecProblem[]; capacity: string[] } {
    const problems = validateSpec(spec, keyPrefix, placementInFacts);
    if (spec?.target === Target.Gcp) problems.push(...validateGcpSpec(spec));
    if (spec?.target === Target.Aws) problems.push(...validateAwsSpec(spec));
    if (spec?.target === Target.Azure) problems.push(...validateAzureSpec(spec));
    // The capacity math reads quantities and pools, so it runs on a spec that passed everything else.
    if (problems.length > 0) return { problems, capacity: [] };
    const resolved = resolveSpec(spec);
    const capacity = checkCapacity(resolved, capacityFacts(resolved));
    return { problems: capacity.problems, capacity: capacity.lines };
}

/**
 * Every problem with a spec. Pure: for target "gcp" the project must already be in `spec.gcp.project`
 * (`prepareSpec` copies the `gcp:project` config there first). `keyPrefix` is how suggestions name
 * other settings (`cloister:` in stack config).
 */
export function validatePlatformSpec(spec: PlatformSpec, keyPrefix = ""): SpecProblem[] {
    return check(spec, keyPrefix).problems;
}

/**
 * A spec that failed validation: one message listing every problem, each path prefixed as the user wrote
 * it (`spec.` for a component's args, `cloister:` for stack config). It is an InputPropertiesError, so
 * a component provider reports the fields, and it carries RunError's mark, so a program run by the
 * Pulumi engine prints the message alone, without a stack trace.
 */
export class SpecError extends pulumi.InputPropertiesError {
    /** Read by the Pulumi runtime (`RunError.isInstance`): show the message, not the stack. */
    public readonly __pulumiRunError = true;

    constructor(source: string, problems: SpecProblem[], pathPrefix: string) {
        const path = (p: SpecProblem) => `${pathPrefix}${p.path}`.replace(/\.$/, "") || "<spec>";
        super({
            message: `${source ? `${source}: ` : ""}invalid ${pathPrefix === "cloister:" ? "stack configuration" : "platform spec"} (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n` +
                problems.map((p) => `  ${path(p)}: ${p.reason}`).join("\n"),
            errors: problems.map((p) => ({ propertyPath: path(p), reason: p.reason })),
        });
        this.stack = this.message;
    }
}

/** `prepareSpec` for a cloud layer, which deploys one target only. @internal */
export function prepareTargetSpec(spec: PlatformSpec, component: string, target: Target): PreparedSpec {
    const wrong = spec?.target === target ? [] : [{ path: "target", reason: `${component} deploys target "${target}", not ${JSON.stringify(spec?.target)}` }];
    return prepareSpec(spec, component, "spec.", wrong);
}

export interface PreparedSpec {
    /** The spec as given, with `gcp.project` filled from the provider config. */
    spec: PlatformSpec;
    resolved: ResolvedSpec;
    /** "pool gvisor holds at most 70 sandboxes of template python (…)", per pool and template. */
    capacity: string[];
}

const prepared = new WeakMap<object, PreparedSpec>();

/**
 * Validates and resolves a spec once: a spec object that passed is remembered, so the components a
 * SandboxPlatform composes (and the stack before it) do not check it again. Throws a `SpecError` naming
 * every problem before anything is registered. `extraProblems` are the caller's own (e.g. unknown
 * stack keys), reported in the same list. With `placementInFacts` (SandboxRuntime), where templates
 * land is checked by the caller against the cluster facts instead of the spec's pools.
 */
export function prepareSpec(spec: PlatformSpec, source: string, pathPrefix = "spec.", extraProblems: SpecProblem[] = [], placementInFacts = false): PreparedSpec {
    const known = typeof spec === "object" && spec !== null ? prepared.get(spec) : undefined;
    if (known && extraProblems.length === 0) return known;
    const configured = withConfiguredGcpProject(spec);
    const { problems, capacity } = check(configured, pathPrefix, placementInFacts);
    if (extraProblems.length + problems.length > 0) throw new SpecError(source, [...extraProblems, ...problems], pathPrefix);
    const result = { spec: configured, resolved: resolveSpec(configured), capacity };
    prepared.set(spec, result);
    prepared.set(configured, result);
    return result;
}
