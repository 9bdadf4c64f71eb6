// The e2e suite's handles on the real node (scripts/node) and the offline engine (scripts/engine).
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
const ENGINE_BUILD = path.join(ROOT, "scripts/engine/build.sh");
const NODE_BUILD = path.join(ROOT, "scripts/node/build.sh");
const NODE = path.join(ROOT, "scripts/node/node.sh");

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    return spawnSync(command, args, {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        cwd: options.cwd,
        env: options.env,
        input: options.input,
        timeout: options.timeoutMs,
    });
}

export function expectOk(result: SpawnSyncReturns<string>, what: string): string {
    if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
}

const lastLine = (out: string) => out.trim().split("\n").pop()!;

/** Builds (or finds cached) the engine and the node; returns their bin dirs. */
export function buildAll(): { engineBin: string; nodeBin: string } {
    const engineBin = lastLine(expectOk(run("bash", [ENGINE_BUILD]), "engine build"));
    const nodeBin = lastLine(expectOk(run("bash", [NODE_BUILD]), "node build"));
    return { engineBin, nodeBin };
}

/** Starts the node; returns the host kubeconfig's path (node.sh prints it last). */
export function nodeUp(): string {
    return lastLine(expectOk(run("bash", [NODE, "up"]), "node up"));
}

export function nodeDown(): SpawnSyncReturns<string> {
    return run("bash", [NODE, "down"]);
}

/** Runs a command inside the node's network namespace (where pods, Services and the node IP live). */
export function onNode(args: string[], timeoutMs = 30_000): SpawnSyncReturns<string> {
    return run("bash", [NODE, "exec", ...args], { timeoutMs });
}

/** A kubectl bound to the node's host kubeconfig. */
export function kubectlFor(nodeBin: string, kubeconfig: string) {
    return (args: string[], input?: string) => run(path.join(nodeBin, "kubectl"), ["--kubeconfig", kubeconfig, ...args], { input, timeoutMs: 120_000 });
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
