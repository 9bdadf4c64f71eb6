export * from "./facts";
export * from "./sandboxRuntime";
