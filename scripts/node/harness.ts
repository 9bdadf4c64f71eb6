// Handles on the real node (scripts/node) and the offline engine (scripts/engine), for the e2e suite and the demo.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
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

/**
 * The offline engine's environment: its binaries and kubectl first on PATH, a local file backend, no update
 * checks or plugin downloads, and the node's kubeconfig as the ambient one.
 */
export function engineEnv(bins: { engineBin: string; nodeBin: string }, kubeconfig: string, stateDir: string, passphrase: string): NodeJS.ProcessEnv {
    fs.mkdirSync(path.join(stateDir, "state"), { recursive: true });
    return {
        ...process.env,
        PATH: `${bins.engineBin}:${bins.nodeBin}:${process.env.PATH}`,
        KUBECONFIG: kubeconfig,
        PULUMI_HOME: path.join(stateDir, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(stateDir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
}

/**
 * A Pulumi project that runs this repository's stack program with stack files from `<dir>/config`, so a
 * stack file can carry paths of this machine (the node build's CRDs) without touching `stacks/`.
 */
export function writeProject(dir: string) {
    fs.mkdirSync(path.join(dir, "config"), { recursive: true });
    const projectFile = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").replace(/^stackConfigDir: .*$/m, "stackConfigDir: config");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectFile);
    for (const entry of ["stacks", "components", "node_modules", "package.json", "tsconfig.json"]) {
        const link = path.join(dir, entry);
        if (!fs.existsSync(link)) fs.symlinkSync(path.join(ROOT, entry), link);
    }
}

/** The upstream Python SDK the quick start uses, in a virtualenv cached beside the engine. */
export const SDK_VERSION = "1.0.8";
export function sdkPython(): string {
    const cache = process.env.CLOISTER_ENGINE_CACHE ?? path.join(process.env.HOME ?? "/root", ".cache/cloister-engine");
    const venv = path.join(cache, "python", `k8s-agent-sandbox-${SDK_VERSION}`);
    const python = path.join(venv, "bin", "python");
    if (!fs.existsSync(python) || run(python, ["-c", "import k8s_agent_sandbox"]).status !== 0) {
        fs.rmSync(venv, { recursive: true, force: true });
        expectOk(run("python3", ["-m", "venv", venv]), "python venv");
        expectOk(run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `k8s-agent-sandbox==${SDK_VERSION}`]), "pip install k8s-agent-sandbox");
    }
    return python;
}
