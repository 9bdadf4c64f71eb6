// The full check of a platform spec: the cloud-neutral validator plus the chosen target's own rules.
// SandboxPlatform, the offline plan and the policy pack all call this.
import { validateGcpSpec } from "./gcp/validate";
import { PlatformSpec, Target } from "./spec/types";
import { SpecProblem, validateSpec } from "./spec/validate";

/** Targets this release can deploy. */
export const AVAILABLE_TARGETS: Target[] = [Target.Gcp, Target.Kubernetes];

/**
 * Every problem with a spec. Pure: for target "gcp" the project must already be in `spec.gcp.project`
 * (`SandboxPlatform` and `GcpSandboxCluster` copy the `gcp:project` config there first).
 */
export function validatePlatformSpec(spec: PlatformSpec): SpecProblem[] {
    const problems = validateSpec(spec);
    if (Object.values(Target).includes(spec?.target) && !AVAILABLE_TARGETS.includes(spec.target)) {
        problems.push({
            path: "target",
            reason: `target "${spec.target}" is not available in this release; use one of ${AVAILABLE_TARGETS.map((t) => `"${t}"`).join(", ")}`,
        });
    }
    if (spec?.target === Target.Gcp) problems.push(...validateGcpSpec(spec));
    return problems;
}
