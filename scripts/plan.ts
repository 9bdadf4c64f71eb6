// Offline plan: runs the stack program under Pulumi mocks with stacks/Pulumi.<stack>.yaml and lists
// every resource `pulumi up` would register. No credentials, no network.
//   npm run plan -- --stack <name> [--json] [--config-file <path>] [--critical-path]
// --config-file reads the stack's settings from another file (a draft, or a test's bad config).
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { kubeconfigFromSetting } from "../stacks/config";
import { criticalPath, TYPICAL_SECONDS } from "./criticalPath";
import { PlannedResource, PlanRecorder } from "./mocks";

function kubeconfigReadable(setting: string): boolean {
    try {
        kubeconfigFromSetting(setting);
        return true;
    } catch {
        return false;
    }
}

const ROOT = path.resolve(__dirname, "..");

interface ProjectFile {
    name: string;
    config?: Record<string, { default?: unknown }>;
}

/** The stack's config as `pulumi up` would see it: project defaults, then the stack file. */
export function stackConfig(stack: string, configFile?: string): { values: Record<string, string>; secretKeys: string[] } {
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
    const file = configFile ? path.resolve(configFile) : path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(ROOT, file)}`);
    const stackFile = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const asString = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (decl.default !== undefined) values[`${project.name}:${key}`] = asString(decl.default);
    }
    for (const [key, value] of Object.entries(stackFile.config ?? {})) {
        const secure = value && typeof value === "object" && "secure" in (value as object);
        values[key] = secure ? "[secret]" : asString(value);
        if (secure) secretKeys.push(key);
    }
    // The plan needs no kubeconfig, but a path to none is refused as `pulumi up` would refuse it.
    const kubeconfig = values[`${project.name}:kubeconfig`];
    if (kubeconfig && kubeconfigReadable(kubeconfig)) {
        values[`${project.name}:kubeconfig`] = "apiVersion: v1\nkind: Config\n# the stack's kubeconfig is read at deploy time\n";
        secretKeys.push(`${project.name}:kubeconfig`);
    }
    return { values, secretKeys };
}

function formatPath(path: { seconds: number; chain: string[] }): string[] {
    const slow = path.chain.filter((key) => TYPICAL_SECONDS[key.split("::")[0]] !== undefined);
    return [`critical path (modelled): ${(path.seconds / 60).toFixed(1)} min over ${path.chain.length} resources; the slow steps:`, ...slow.map((k) => `  ${k}`)];
}

function formatTree(stack: string, resources: PlannedResource[]): string {
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines = [`stack ${stack}: ${resources.length} resources`];
    const walk = (parent: string | null, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.options.protect ? "protect" : "", r.options.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean);
            lines.push(`${indent}${r.type}  ${r.name}${flags.length ? `  [${flags.join(", ")}]` : ""}`);
            walk(`${r.type}::${r.name}`, indent + "  ");
        }
    };
    walk(null, "  ");
    return lines.join("\n");
}

/** Waits until no registration has arrived for a while: the program's applies have all run. */
async function settle(recorder: PlanRecorder): Promise<PlannedResource[]> {
    let count = -1;
    let stableTicks = 0;
    while (stableTicks < 5) {
        await new Promise((r) => setTimeout(r, 100));
        const now = recorder.resources().length;
        stableTicks = now === count ? stableTicks + 1 : 0;
        count = now;
    }
    return recorder.resources();
}

function fail(message: string): never {
    process.stderr.write(message.endsWith("\n") ? message : message + "\n");
    process.exit(1);
}

let recorder: PlanRecorder | undefined;

/**
 * Invalid config prints its problems alone; anything else is a failure of the plan itself. Either way it
 * says so if resources were registered before the error (invalid config must stop before any).
 */
function onError(err: unknown): never {
    const registered = recorder?.resources().length ?? 0;
    const note = registered > 0 ? `\n(${registered} resources were registered before the error)` : "";
    if (pulumi.InputPropertiesError.isInstance(err)) fail(err.message + note);
    fail(`plan failed: ${err instanceof Error ? err.message : String(err)}${note}`);
}

async function main() {
    const args = process.argv.slice(2);
    const stackIndex = args.indexOf("--stack");
    const stack = stackIndex >= 0 ? args[stackIndex + 1] : undefined;
    if (!stack) fail("usage: npm run plan -- --stack <name> [--json] [--config-file <path>]");
    const json = args.includes("--json");
    const showPath = args.includes("--critical-path");
    const configIndex = args.indexOf("--config-file");
    const configFile = configIndex >= 0 ? args[configIndex + 1] : undefined;

    process.on("unhandledRejection", onError);
    process.on("uncaughtException", onError);

    const { values, secretKeys } = stackConfig(stack, configFile);
    recorder = await PlanRecorder.install("cloister", stack);
    pulumi.runtime.setAllConfig(values, secretKeys);
    const program = require(path.join(ROOT, "stacks")) as { capacity: pulumi.Output<string[]> };
    const capacity = await new Promise<string[]>((resolve) => program.capacity.apply(resolve));
    const resources = await settle(recorder);
    // Exit once stdout is flushed: a pipe takes large outputs asynchronously.
    process.stdout.write(
        json
            ? JSON.stringify({ stack, resources, capacity }, null, 2) + "\n"
            : [
                  formatTree(stack, resources),
                  "capacity:",
                  ...(capacity.length ? capacity : ["(machine sizes unknown on this target)"]).map((l) => `  ${l}`),
                  ...(showPath ? formatPath(criticalPath(resources)) : []),
              ].join("\n") + "\n",
        () => process.exit(0),
    );
}

main().catch(onError);
