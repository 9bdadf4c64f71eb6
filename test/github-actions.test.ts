// The GitHub Actions example customers copy (examples/github-actions): linted by actionlint, and read as GitHub
// would run it (event → job → command → the pulumi arguments of pulumi-ci.sh, the script the e2e suite also
// runs against the real node), so the properties its README promises are checked, not just its syntax.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { condition, Context, expand } from "./githubExpressions";

const ROOT = path.resolve(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples/github-actions");
const SCRIPT = path.join(EXAMPLE, "pulumi-ci.sh");
const CALLER_FILE = path.join(EXAMPLE, "cloister.yml");
const STACKS_FILE = path.join(EXAMPLE, "cloister-stacks.yml");
const COMMANDS = ["preview", "up", "drift"] as const;
type Command = (typeof COMMANDS)[number];

const load = (file: string) => yaml.load(fs.readFileSync(file, "utf8")) as any;
const caller = load(CALLER_FILE);
const stacks = load(STACKS_FILE);
const job = stacks.jobs.stack;
const matrix: Record<string, string>[] = job.strategy.matrix.include;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-gha-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The expression context of one stack's job, for an event, as GitHub builds it. */
function jobContext(command: Command, entry: Record<string, string>, event = { pr: 7, ref: "main" }): Context {
    const context: Context = {
        inputs: { command },
        matrix: entry,
        github: { event_name: command === "preview" ? "pull_request" : "push", ref_name: event.ref, token: "t", event: { pull_request: command === "preview" ? { number: event.pr } : undefined } },
        vars: {},
        secrets: {},
        steps: {},
    };
    context.env = Object.fromEntries(Object.entries(job.env ?? {}).map(([k, v]) => [k, expand(v, context)]));
    return context;
}

/**
 * The steps that run for a command on a stack, in order, with their inputs and env expanded; `fails` names a step
 * that fails when it runs (its id, or "first" for the first step), so later conditions see the job's status.
 */
function runSteps(command: Command, entry: Record<string, string>, fails?: string) {
    const context = jobContext(command, entry);
    const outcomes: Record<string, { outcome: string }> = (context.steps = {});
    const expandAll = (o: Record<string, unknown> = {}) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expand(v, context)]));
    let status: "success" | "failure" = "success";
    const ran = [];
    for (const [i, s] of (job.steps as any[]).entries()) {
        const runs = condition(s.if, context, status);
        const failed = fails !== undefined && (fails === s.id || (fails === "first" && i === 0));
        const outcome = !runs ? "skipped" : failed ? "failure" : "success";
        if (s.id) outcomes[s.id] = { outcome };
        if (outcome === "failure") status = "failure";
        if (runs) ran.push({ id: s.id as string | undefined, uses: s.uses as string | undefined, run: s.run as string | undefined, with: expandAll(s.with), env: expandAll(s.env) });
    }
    return ran;
}

/** A stand-in `pulumi` that records its arguments, one JSON array a line. */
function fakePulumi(): { env: NodeJS.ProcessEnv; calls: () => string[][] } {
    const dir = fs.mkdtempSync(path.join(tmp, "bin-"));
    const log = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "pulumi"), `#!/usr/bin/env node\nrequire("fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + "\\n");\n`, { mode: 0o755 });
    return {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, POLICY_PACK: undefined, POLICY_PACK_CONFIG: undefined },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : []),
    };
}

describe("pulumi-ci.sh, the commands CI and the e2e suite share", () => {
    const pack = path.join(ROOT, "policies");

    it("previews with the policy pack, updates with it, and checks drift with --expect-no-changes, from any directory", () => {
        const expected: Record<Command, string[]> = {
            preview: ["preview", "--diff", "--policy-pack", pack, "--stack", "acme/dev", "--non-interactive"],
            up: ["up", "--yes", "--skip-preview", "--policy-pack", pack, "--stack", "acme/dev", "--non-interactive"],
            drift: ["preview", "--expect-no-changes", "--stack", "acme/dev", "--non-interactive"],
        };
        for (const command of COMMANDS) {
            const pulumi = fakePulumi();
            const r = spawnSync("bash", [SCRIPT, command, "acme/dev"], { cwd: tmp, env: pulumi.env, encoding: "utf8" });
            expect(r.status, r.stderr).toBe(0);
            expect(pulumi.calls(), command).toEqual([expected[command]]);
        }
    });

    it("takes another pack (the one the package ships) and its config from the environment, and refuses an unknown command", () => {
        const pulumi = fakePulumi();
        const shipped = "node_modules/cloister/dist/policies";
        const config = path.join(ROOT, "policies/config.example.json");
        expect(spawnSync("bash", [SCRIPT, "up", "dev"], { env: { ...pulumi.env, POLICY_PACK: shipped, POLICY_PACK_CONFIG: config } }).status).toBe(0);
        expect(pulumi.calls()[0]).toEqual(["up", "--yes", "--skip-preview", "--policy-pack", shipped, "--policy-pack-config", config, "--stack", "dev", "--non-interactive"]);
        const wrong = spawnSync("bash", [SCRIPT, "destroy", "dev"], { env: pulumi.env, encoding: "utf8" });
        expect(wrong.status).toBe(2);
        expect(wrong.stderr).toContain("usage:");
        expect(pulumi.calls()).toHaveLength(1);
    });
});

describe("the GitHub Actions example", () => {
    it("runs preview on a pull request, up on a push to main and drift on the schedule, each through pulumi-ci.sh", () => {
        expect(caller.on.pull_request.branches).toEqual(["main"]);
        expect(caller.on.push.branches).toEqual(["main"]);
        expect(caller.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
        const events: [string, Command | undefined, boolean?][] = [
            ["pull_request", "preview"],
            ["pull_request", undefined, true], // from a fork: no OIDC token, so no job
            ["push", "up"],
            ["schedule", "drift"],
            ["workflow_dispatch", "drift"],
        ];
        for (const [event_name, want, fork] of events) {
            const github = { event_name, repository: "acme/agents", event: { pull_request: { head: { repo: { full_name: fork ? "someone/agents" : "acme/agents" } } } } };
            const running = Object.entries(caller.jobs as Record<string, any>).filter(([, j]) => condition(j.if, { github }));
            expect(running.map(([name]) => name), event_name).toEqual(want ? [want] : []);
            if (!want) continue;
            const [, called] = running[0];
            // The called workflow is the example's own file, under the name it has in .github/workflows/.
            expect(called.uses).toBe(`./.github/workflows/${path.basename(STACKS_FILE)}`);
            expect(called.with.command).toBe(want);
        }

        // Every stack's job runs pulumi-ci.sh with its command and stack, and no step runs pulumi otherwise.
        for (const command of COMMANDS) {
            for (const entry of matrix) {
                const steps = runSteps(command, entry);
                expect(steps.filter((s) => s.run?.includes("pulumi-ci.sh")).map((s) => s.id)).toEqual(["pulumi"]);
                for (const s of steps) {
                    expect(s.run?.split("\n").filter((line) => /^\s*pulumi\s/.test(line)) ?? [], "a pulumi command outside the script").toEqual([]);
                    if (s.uses?.startsWith("pulumi/actions@")) expect(s.with.command, "pulumi/actions running a command").toBeUndefined();
                }
                const step = steps.find((s) => s.id === "pulumi")!;
                expect(step.env).toMatchObject({ COMMAND: command, STACK: entry.stack });

                const pulumi = fakePulumi();
                const r = spawnSync("bash", ["-eo", "pipefail", "-c", step.run!], { cwd: ROOT, env: { ...pulumi.env, ...step.env, RUNNER_TEMP: tmp } as NodeJS.ProcessEnv, encoding: "utf8" });
                expect(r.status, r.stderr).toBe(0);
                const [args] = pulumi.calls();
                if (command === "up") expect(args.slice(0, 2)).toEqual(["up", "--yes"]);
                else expect(args[0]).toBe("preview");
                expect(args.includes("--policy-pack"), `${command}: --policy-pack`).toBe(command !== "drift");
                expect(args.includes("--expect-no-changes"), `${command}: --expect-no-changes`).toBe(command === "drift");
                expect(args[args.indexOf("--stack") + 1]).toBe(entry.stack);
            }
        }
    });

    it("installs the Pulumi CLI of the SDK's version, and only installs it (the script runs the commands)", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
        const install = (job.steps as any[]).filter((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(install).toHaveLength(1);
        expect(install[0].uses).toBe("pulumi/actions@v7");
        expect(install[0].with).toEqual({ "pulumi-version": lock.packages["node_modules/@pulumi/pulumi"].version });
    });

    it("comments the plan on the pull request whether the policy pack passes or refuses it, and only there", () => {
        const entry = matrix[0];
        const comment = (command: Command, fails?: string) => runSteps(command, entry, fails).find((s) => s.env.GH_TOKEN !== undefined);
        for (const [fails, outcome] of [[undefined, "success"], ["pulumi", "failure"]]) {
            const step = comment("preview", fails);
            expect(step, outcome).toBeDefined();
            expect(step!.env).toMatchObject({ PR: 7, STACK: entry.stack, OUTCOME: outcome });
            expect(step!.run).toContain("$RUNNER_TEMP/pulumi.log"); // the output the pulumi step wrote
        }
        expect(comment("preview", "first"), "no preview ran, so no comment").toBeUndefined();
        expect(comment("up")).toBeUndefined();
        expect(comment("drift", "pulumi")).toBeUndefined();
        expect(runSteps("preview", entry).find((s) => s.id === "pulumi")!.run).toContain('tee "$RUNNER_TEMP/pulumi.log"');
    });

    it("grants id-token: write everywhere, pull-requests: write only to the commenting job, and nothing by default", () => {
        expect(caller.permissions).toEqual({});
        expect(caller.jobs.preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
        expect(caller.jobs.up.permissions).toEqual({ contents: "read", "id-token": "write" });
        expect(caller.jobs.drift.permissions).toEqual({ contents: "read", "id-token": "write" });
        // A called workflow's own permissions could only lower the caller's; it declares none.
        expect(job.permissions).toBeUndefined();
        expect(stacks.permissions).toBeUndefined();
    });

    it("federates each stack's cloud through OIDC: the deploy identity for up, the read-only one for previews and drift", () => {
        const federation: Record<string, { action: string; identity: string; also: string[] }> = {
            aws: { action: "aws-actions/configure-aws-credentials", identity: "role-to-assume", also: ["aws-region"] },
            gcp: { action: "google-github-actions/auth", identity: "service_account", also: ["workload_identity_provider"] },
            azure: { action: "azure/login", identity: "client-id", also: ["tenant-id", "subscription-id"] },
        };
        expect(new Set(matrix.map((e) => e.cloud))).toEqual(new Set(Object.keys(federation)));
        for (const entry of matrix) {
            for (const command of COMMANDS) {
                const steps = runSteps(command, entry);
                const logins = steps.filter((s) => Object.values(federation).some((f) => s.uses?.startsWith(`${f.action}@`)));
                const want = federation[entry.cloud];
                expect(logins.map((s) => s.uses!.split("@")[0]), `${entry.stack} ${command}`).toEqual([want.action]);
                const identity = command === "up" ? entry.deploy : entry.preview;
                expect(identity, `${entry.stack}: an identity for ${command}`).toBeTruthy();
                expect(logins[0].with[want.identity]).toBe(identity);
                for (const input of want.also) expect(logins[0].with[input], `${entry.stack}: ${input}`).toBeTruthy();
                // The Azure provider exchanges the OIDC token itself, as the same identity.
                const env = steps.find((s) => s.id === "pulumi")!.env;
                expect(env.ARM_USE_OIDC).toBe(entry.cloud === "azure");
                if (entry.cloud === "azure") expect(env).toMatchObject({ ARM_CLIENT_ID: identity, ARM_TENANT_ID: entry["azure-tenant-id"], ARM_SUBSCRIPTION_ID: entry["azure-subscription-id"] });
            }
            expect(entry.deploy).not.toBe(entry.preview);
        }
    });

    it("stores no cloud key: the only secrets are the Pulumi backend's, and every action is pinned to a major version", () => {
        for (const file of [CALLER_FILE, STACKS_FILE]) {
            const text = fs.readFileSync(file, "utf8");
            expect(text, file).not.toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-access-key-id|aws-secret-access-key|GOOGLE_CREDENTIALS|credentials_json|ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|client-secret|\bcreds:|secrets: inherit/);
            const secrets = new Set([...text.matchAll(/secrets\.([A-Za-z_]\w*)/g)].map((m) => m[1]));
            expect([...secrets].sort(), file).toEqual(["PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
            for (const [, action] of text.matchAll(/uses: *([^\s#]+)/g)) {
                if (!action.startsWith("./")) expect(action).toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
            }
        }
    });

    it("never runs two updates of one stack at once, and a preview or drift check never cancels a deploy", () => {
        const group = (command: Command, entry: Record<string, string>, event = { pr: 7, ref: "main" }) => {
            const context = jobContext(command, entry, event);
            return { group: expand(job.concurrency.group, context) as string, cancel: expand(job.concurrency["cancel-in-progress"], context) };
        };
        const [a, b] = matrix;
        const upA = group("up", a);
        expect(upA.group).toContain(a.stack);
        expect(upA.cancel).toBe(false);
        expect(group("up", a, { pr: 0, ref: "main" }).group, "two deploys of one stack queue").toBe(upA.group);
        expect(group("up", b).group, "stacks deploy side by side").not.toBe(upA.group);
        expect(group("drift", a).group).not.toBe(upA.group);
        expect(group("preview", a).group).not.toBe(upA.group);
        expect(group("drift", a).cancel).toBe(false);
        // A new commit on the same pull request replaces its running preview; other pull requests are not touched.
        expect(group("preview", a)).toEqual({ group: group("preview", a, { pr: 7, ref: "7/merge" }).group, cancel: true });
        expect(group("preview", a, { pr: 8, ref: "main" }).group).not.toBe(group("preview", a).group);
    });
});

describe("actionlint on the example", () => {
    const binary = process.env.CLOISTER_ACTIONLINT || spawnSync("bash", [path.join(ROOT, "scripts/actionlint.sh"), "--print-path"], { encoding: "utf8" }).stdout.trim();
    const built = fs.existsSync(binary);
    // .ci/run builds actionlint first and sets CLOISTER_ACTIONLINT; there, and under CI=true, a missing binary fails.
    const required = process.env.CI === "true" || !!process.env.CLOISTER_ACTIONLINT;
    if (!built && !required) console.warn(`actionlint not built (${binary}); skipping its test. Build it: bash scripts/actionlint.sh`);

    /** The workflows as a customer installs them: in .github/workflows of a repository. */
    function lint(edit: (text: string) => string = (t) => t) {
        const repo = fs.mkdtempSync(path.join(tmp, "repo-"));
        fs.mkdirSync(path.join(repo, ".git"));
        fs.mkdirSync(path.join(repo, ".github/workflows"), { recursive: true });
        for (const file of [CALLER_FILE, STACKS_FILE]) fs.writeFileSync(path.join(repo, ".github/workflows", path.basename(file)), edit(fs.readFileSync(file, "utf8")));
        return spawnSync(binary, ["-no-color", "-oneline"], { cwd: repo, encoding: "utf8" });
    }

    it.skipIf(!built && !required)("passes, with the called workflow's inputs and every known action's inputs checked", () => {
        if (!built) throw new Error(`actionlint is not built at ${binary}: run bash scripts/actionlint.sh (.ci/run does, before the unit tests)`);
        const clean = lint();
        expect(clean.stdout + clean.stderr).toBe("");
        expect(clean.status).toBe(0);
        // The same check refuses a misspelt action input and a wrong input of the called workflow.
        const broken = lint((t) => t.replace("role-to-assume:", "role-to-asume:").replace("command: drift", "comand: drift"));
        expect(broken.status).toBe(1);
        expect(broken.stdout).toContain('input "role-to-asume" is not defined in action "aws-actions/configure-aws-credentials@v6"');
        expect(broken.stdout).toContain('input "comand" is not defined');
    });
});
