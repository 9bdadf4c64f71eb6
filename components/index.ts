// The public API: `import { SandboxPlatform, SandboxRuntime, AwsSandboxCluster, AzureSandboxCluster, GcpSandboxCluster } from "cloister"`.
export * from "./spec";
export * from "./kubernetes";
// The AWS and Azure layers' helpers share names with GCP's (createCluster, ...): only their entry points are flat.
export { AwsSandboxCluster, eksClusterFacts, validateAwsSpec } from "./aws";
export type { AwsSandboxClusterArgs } from "./aws";
export { AzureSandboxCluster, aksClusterFacts, validateAzureSpec } from "./azure";
export type { AzureSandboxClusterArgs } from "./azure";
export * from "./gcp";
export * from "./platform";
export * from "./validation";
