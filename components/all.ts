// Every component in one module, for Cloister's Pulumi package (provider/): programs in other languages
// get all of them from one plugin. TypeScript programs import `cloister` and the cloud subpaths instead.
export { SandboxPlatform } from "./platform";
export { AwsSandboxCluster } from "./aws";
export { AzureSandboxCluster } from "./azure";
export { GcpSandboxCluster } from "./gcp";
