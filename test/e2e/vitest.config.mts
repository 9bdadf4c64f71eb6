import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One file, steps in order, against one API server: no parallelism, long timeouts.
export default defineConfig({
    test: {
        root: fileURLToPath(new URL("../..", import.meta.url)),
        include: ["test/e2e/**/*.e2e.test.ts"],
        pool: "forks",
        fileParallelism: false,
        sequence: { concurrent: false },
        testTimeout: 15 * 60_000,
        hookTimeout: 60 * 60_000,
    },
});
