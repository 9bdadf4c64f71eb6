// Stack config → PlatformSpec. Kept apart from the program so tests and the offline plan read config
// exactly as `pulumi up` does.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { SPEC_KEYS, SPEC_SETTINGS, suggestKey } from "../components/spec/schema";
import { PlatformSpec } from "../components/spec/types";

export interface StackSettings {
    spec: PlatformSpec;
    /** Target `kubernetes`: kubeconfig contents (secret), when configured. */
    kubeconfig?: pulumi.Output<string>;
    kubeconfigContext?: string;
}

const nonEmpty = (value: string | undefined) => (value ? value : undefined);

/** A kubeconfig setting is either a file path or the document itself; empty means the ambient one. */
export function kubeconfigFromSetting(value: string): string | undefined {
    if (!value) return undefined;
    if (value.includes("\n") || value.trimStart().startsWith("{") || value.trimStart().startsWith("apiVersion")) return value;
    const file = path.resolve(value.startsWith("~/") ? path.join(process.env.HOME ?? "", value.slice(2)) : value);
    if (!fs.existsSync(file)) {
        throw new Error(`cloister:kubeconfig: no file ${file}; give a kubeconfig path, the document itself, or leave it empty for the ambient kubeconfig`);
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
export function unknownStackKeys(configKeys: string[], namespace = "cloister"): string[] {
    const valid = [...SPEC_KEYS, ...STACK_KEYS];
    return configKeys
        .filter((k) => k.startsWith(`${namespace}:`))
        .map((k) => k.slice(namespace.length + 1))
        .filter((k) => !valid.includes(k))
        .map((k) => {
            const near = suggestKey(k, valid);
            return `${namespace}:${k}: unknown setting; ${near ? `did you mean ${namespace}:${near}?` : `valid settings: ${valid.map((v) => `${namespace}:${v}`).join(", ")}`}`;
        });
}

export function readStackSettings(): StackSettings {
    const unknown = unknownStackKeys(Object.keys(pulumi.runtime.allConfig()));
    if (unknown.length > 0) {
        throw new pulumi.RunError(`invalid stack configuration (${unknown.length} problem${unknown.length > 1 ? "s" : ""}):\n  ${unknown.join("\n  ")}`);
    }
    const config = new pulumi.Config();
    // Every spec key, read as the schema says it is shaped; Pulumi.yaml's defaults ("" / {} / []) mean unset.
    const spec = Object.fromEntries(
        SPEC_SETTINGS.map((k) => [k.name, k.kind === "scalar" ? nonEmpty(config.get(k.name)) : config.getObject(k.name)]).filter(
            ([, value]) => value !== undefined,
        ),
    ) as unknown as PlatformSpec;
    return {
        spec,
        // Read plainly to decide whether it is set at all; the document itself only travels as a secret.
        kubeconfig: readKubeconfig(config.get("kubeconfig")),
        kubeconfigContext: nonEmpty(config.get("kubeconfigContext")),
    };
}
