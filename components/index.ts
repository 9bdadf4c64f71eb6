// The public API: `import { SandboxPlatform, SandboxRuntime, GcpSandboxCluster } from "cloister"`.
export * from "./spec";
export * from "./kubernetes";
export * from "./gcp";
export * from "./platform";
export * from "./validation";
