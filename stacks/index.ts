// The program `pulumi up` runs: stack config → SandboxPlatform → outputs.
import { SandboxPlatform } from "../components/platform";
import { prepareSpec } from "../components/validation";
import { readStackSettings } from "./config";

const settings = readStackSettings();
// Checked here, once, so every problem is named by its config key (`cloister:templates[0].cpu`);
// SandboxPlatform reuses the result.
const { spec } = prepareSpec(settings.spec, "", "cloister:", settings.problems);
const platform = new SandboxPlatform(spec.name, {
    spec,
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
export const capacity = platform.capacity;
