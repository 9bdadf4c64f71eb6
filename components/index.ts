// The public API: `import { SandboxPlatform, SandboxRuntime } from "cloister"`.
export * from "./spec";
export * from "./kubernetes";
export * from "./platform";
export * from "./validation";
