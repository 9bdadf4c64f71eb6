export * from "./facts";
export * from "./sandboxRuntime";
/** API group/version of SandboxTemplate, SandboxClaim and SandboxWarmPool. */
export { EXTENSIONS_API } from "./templates";
export { GVISOR_STARTUP_TAINT } from "./gvisorInstaller";
