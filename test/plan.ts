// Runs the offline plan exactly as a user does (`npm run plan -- --stack <name> --json`) and parses it.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlannedResource } from "../scripts/mocks";

export const ROOT = path.resolve(__dirname, "..");

export interface Plan {
    stack: string;
    resources: PlannedResource[];
}

export interface PlanRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

const planArgs = (stack: string, args: string[]) => ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", "--stack", stack, ...args];
const planOptions = { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } };

export function runPlan(stack: string, args: string[] = ["--json"]): PlanRun {
    const result = spawnSync(process.execPath, planArgs(stack, args), { ...planOptions, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runPlan` without blocking, so many plans run side by side. */
export function runPlanAsync(stack: string, args: string[]): Promise<PlanRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, planArgs(stack, args), planOptions);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/** Writes config lines to a temporary stack file (a draft or a bad config); returns its path and a cleanup. */
function tempStackFile(stack: string, configLines: string[]): { file: string; remove: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-plan-"));
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, ["config:", ...configLines.map((line) => `  ${line}`)].join("\n"));
    return { file, remove: () => fs.rmSync(dir, { recursive: true }) };
}

/** Plans a stack from config lines written to a temporary stack file. */
export function runPlanWithConfig(stack: string, configLines: string[]): PlanRun {
    const { file, remove } = tempStackFile(stack, configLines);
    try {
        return runPlan(stack, ["--json", "--config-file", file]);
    } finally {
        remove();
    }
}

/** `runPlanWithConfig` without blocking. */
export async function runPlanWithConfigAsync(stack: string, configLines: string[]): Promise<PlanRun> {
    const { file, remove } = tempStackFile(stack, configLines);
    try {
        return await runPlanAsync(stack, ["--json", "--config-file", file]);
    } finally {
        remove();
    }
}

export function plan(stack: string): Plan {
    const result = runPlan(stack);
    if (result.status !== 0) throw new Error(`plan of ${stack} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as Plan;
}

/** Every stack file in stacks/. */
export function stackNames(): string[] {
    return fs
        .readdirSync(path.join(ROOT, "stacks"))
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined);
}

export const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
export const one = (p: Plan, type: string, name?: string) => {
    const found = ofType(p, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
};
