// The public API. `cloister` is cloud-neutral: the spec, SandboxPlatform, SandboxRuntime and ClusterFacts
// (loading no cloud SDK). Each cloud layer is its own entry point, so a customer installs only the SDK
// of the cloud they use: `cloister/gcp` (GcpSandboxCluster), `cloister/aws` (AwsSandboxCluster),
// `cloister/azure` (AzureSandboxCluster).
export * from "./spec";
export * from "./kubernetes";
export * from "./platform";
export * from "./validation";
