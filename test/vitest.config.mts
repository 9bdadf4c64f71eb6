import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        root: fileURLToPath(new URL("..", import.meta.url)),
        include: ["test/**/*.test.ts"],
        exclude: ["test/e2e/**", "node_modules/**"],
        // Pulumi's runtime state is process-global: one fork per file keeps mocks apart.
        pool: "forks",
        isolate: true,
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
