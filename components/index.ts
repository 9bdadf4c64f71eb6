// The public API: `import { SandboxPlatform, SandboxRuntime, AwsSandboxCluster, GcpSandboxCluster } from "cloister"`.
export * from "./spec";
export * from "./kubernetes";
// The AWS layer's helpers share names with GCP's (createCluster, ...): only its entry points are flat.
export { AwsSandboxCluster, eksClusterFacts, validateAwsSpec } from "./aws";
export type { AwsSandboxClusterArgs } from "./aws";
export { AzureSandboxCluster, aksClusterFacts, validateAzureSpec } from "./azure";
export type { AzureSandboxClusterArgs } from "./azure";
export * from "./gcp";
export * from "./platform";
export * from "./validation";
