// Stack config → PlatformSpec. Kept apart from the program so tests and the offline plan read config
// exactly as `pulumi up` does.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { SPEC_KEYS, SPEC_SETTINGS, suggestKey } from "../components/spec/schema";
import { PlatformSpec } from "../components/spec/types";
import type { SpecProblem } from "../components/spec/validate";

export interface StackSettings {
    spec: PlatformSpec;
    /** Target `kubernetes`: kubeconfig contents (secret), when configured. */
    kubeconfig?: pulumi.Output<string>;
    kubeconfigContext?: string;
    /** Problems with the settings themselves (unknown keys, a missing kubeconfig file), paths without "cloister:". */
    problems: SpecProblem[];
}

const nonEmpty = (value: string | undefined) => (value ? value : undefined);

/** A kubeconfig setting is either a file path or the document itself; empty means the ambient one. */
export function kubeconfigFromSetting(value: string): string | undefined {
    if (!value) return undefined;
    if (value.includes("\n") || value.trimStart().startsWith("{") || value.trimStart().startsWith("apiVersion")) return value;
    const file = path.resolve(value.startsWith("~/") ? path.join(process.env.HOME ?? "", value.slice(2)) : value);
    if (!fs.existsSync(file)) {
        throw new Error(`no file ${file}; give a kubeconfig path, the document itself, or leave it empty for the ambient kubeconfig`);
    }
    return fs.readFileSync(file, "utf8");
}

/**
 * The provider's kubeconfig: the setting's document as a secret, or undefined for the ambient kubeconfig.
 * An empty setting must give no value at all: a secret wrapping nothing reaches the provider as an empty
 * kubeconfig, which it refuses instead of falling back to `KUBECONFIG`/`~/.kube/config`.
 */
export function readKubeconfig(setting: string | undefined): pulumi.Output<string> | undefined {
    const document = kubeconfigFromSetting(setting ?? "");
    return document === undefined ? undefined : pulumi.secret(document);
}

/** Settings the stack reads besides the spec's own keys. */
export const STACK_SETTINGS = [
    {
        name: "kubeconfig",
        description: "Target kubernetes: a kubeconfig file path, or the kubeconfig itself (set it with --secret). Empty means the ambient kubeconfig.",
    },
    { name: "kubeconfigContext", description: "Target kubernetes: the kubeconfig context. Empty means the current context." },
];
const STACK_KEYS = STACK_SETTINGS.map((s) => s.name);

/**
 * A misspelled key would otherwise be ignored and the platform planned with defaults: refuse every
 * `cloister:` key that is no setting, naming the nearest one.
 */
export function unknownStackKeys(configKeys: string[], namespace = "cloister"): SpecProblem[] {
    const valid = [...SPEC_KEYS, ...STACK_KEYS];
    return configKeys
        .filter((k) => k.startsWith(`${namespace}:`))
        .map((k) => k.slice(namespace.length + 1))
        .filter((k) => !valid.includes(k))
        .map((k) => {
            const near = suggestKey(k, valid);
            return { path: k, reason: `unknown setting; ${near ? `did you mean ${namespace}:${near}?` : `valid settings: ${valid.map((v) => `${namespace}:${v}`).join(", ")}`}` };
        });
}

/** The stack's settings; problems are returned, not thrown, so they join the spec's in one error. */
export function readStackSettings(): StackSettings {
    const problems = unknownStackKeys(Object.keys(pulumi.runtime.allConfig()));
    const config = new pulumi.Config();
    // Every spec key, read as the schema says it is shaped; Pulumi.yaml's defaults ("" / {} / []) mean unset.
    const spec = Object.fromEntries(
        SPEC_SETTINGS.map((k) => [k.name, k.kind === "scalar" ? nonEmpty(config.get(k.name)) : config.getObject(k.name)]).filter(
            ([, value]) => value !== undefined,
        ),
    ) as unknown as PlatformSpec;
    let kubeconfig: pulumi.Output<string> | undefined;
    try {
        // Read plainly to decide whether it is set at all; the document itself only travels as a secret.
        kubeconfig = readKubeconfig(config.get("kubeconfig"));
    } catch (err) {
        problems.push({ path: "kubeconfig", reason: (err as Error).message });
    }
    return { spec, kubeconfig, kubeconfigContext: nonEmpty(config.get("kubeconfigContext")), problems };
}
