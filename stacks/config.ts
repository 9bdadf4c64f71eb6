// Stack config → PlatformSpec. Kept apart from the program so tests and the offline plan read config
// exactly as `pulumi up` does.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { PlatformSpec, Target } from "../components/spec/types";

export interface StackSettings {
    spec: PlatformSpec;
    /** Target `kubernetes`: kubeconfig contents (secret), when configured. */
    kubeconfig?: pulumi.Output<string | undefined>;
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

export function readKubeconfig(setting: pulumi.Output<string>): pulumi.Output<string | undefined> {
    return pulumi.secret(setting.apply(kubeconfigFromSetting));
}

export function readStackSettings(): StackSettings {
    const config = new pulumi.Config();
    const spec: PlatformSpec = {
        target: config.require("target") as Target,
        name: config.require("name"),
        region: nonEmpty(config.get("region")),
        kubernetesVersion: nonEmpty(config.get("kubernetesVersion")),
        dataProtection: (config.get("dataProtection") as PlatformSpec["dataProtection"]) ?? undefined,
        network: config.getObject("network"),
        systemPool: config.getObject("systemPool"),
        sandboxPools: config.getObject("sandboxPools"),
        gpuPools: config.getObject("gpuPools"),
        storage: config.getObject("storage"),
        snapshotBucket: config.getObject("snapshotBucket"),
        controlPlane: config.getObject("controlPlane"),
        sandboxNamespace: config.getObject("sandboxNamespace"),
        templates: config.getObject("templates"),
        cluster: config.getObject("cluster"),
        gcp: config.getObject("gcp"),
    };
    const kubeconfig = config.getSecret("kubeconfig");
    return {
        spec,
        kubeconfig: kubeconfig ? readKubeconfig(kubeconfig) : undefined,
        kubeconfigContext: nonEmpty(config.get("kubeconfigContext")),
    };
}
