// The program `pulumi up` runs: stack config → SandboxPlatform → outputs.
import { SandboxPlatform } from "../components/platform";
import { readStackSettings } from "./config";

const settings = readStackSettings();
const platform = new SandboxPlatform(settings.spec.name, {
    spec: settings.spec,
    kubeconfig: settings.kubeconfig,
    kubeconfigContext: settings.kubeconfigContext,
});

export const controlPlaneNamespace = platform.controlPlaneNamespace;
export const sandboxNamespace = platform.sandboxNamespace;
export const runtimeClassNames = platform.runtimeClassNames;
export const templateNames = platform.templateNames;
export const routerUrl = platform.routerUrl;
export const sandboxClientRole = platform.sandboxClientRole;
export const kubeconfig = platform.kubeconfig;
export const snapshotBucketUrl = platform.snapshotBucketUrl;
