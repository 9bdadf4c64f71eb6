// Cloister without a cloud: builds the offline engine and the real node (cached), starts the node,
// deploys the platform onto it with `pulumi up` (stack file stacks/Pulumi.demo.yaml), claims a sandbox,
// runs code in it and prints what it did, with timings.
//   npm run demo              the platform stays up afterwards (npm run node:down removes everything)
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { buildAll, engineEnv, expectOk, nodeUp, onNode, ROOT, run, writeProject } from "./node/harness";
import { isReady, kubeAccess, kubeRequest, watchUntil } from "./node/kube";

const STATE = path.join(process.env.CLOISTER_DEMO_DIR ?? path.join(os.homedir(), ".cache/cloister-demo"));
const STACK = "demo";

function step<T>(what: string, action: () => T): T {
    const started = Date.now();
    process.stdout.write(`• ${what} … `);
    const result = action();
    process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
}

async function main() {
    const bins = step("build the engine and the node (cached after the first run)", buildAll);
    const kubeconfig = step("start the node (containerd + gVisor, kube-router, CoreDNS)", nodeUp);

    // The demo stack file, plus the agent-sandbox CRDs this machine's node build took from the module zip.
    const projectDir = path.join(STATE, "project");
    writeProject(projectDir);
    const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, any> };
    stackFile.config["cloister:controlPlane"] = { ...stackFile.config["cloister:controlPlane"], crdSource: path.join(bins.nodeBin, "crds/agent-sandbox") };
    fs.writeFileSync(path.join(projectDir, "config", `Pulumi.${STACK}.yaml`), yaml.dump(stackFile));
    const env = engineEnv(bins, kubeconfig, STATE, "demo");
    const pulumi = (...args: string[]) => run("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd: projectDir, env });
    if (pulumi("stack", "select", STACK).status !== 0) expectOk(pulumi("stack", "init", STACK), "pulumi stack init");
    step("pulumi up (the kubernetes target, policy pack enforced)", () =>
        // --refresh: a node taken down since the last demo no longer has what the stack's state records.
        expectOk(pulumi("up", "--yes", "--skip-preview", "--refresh", "--stack", STACK, "--policy-pack", path.join(ROOT, "policies")), "pulumi up"),
    );

    const access = kubeAccess(kubeconfig);
    const ns = (stackFile.config["cloister:sandboxNamespace"]?.name as string) ?? "sandboxes";
    const claims = `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${ns}/sandboxclaims`;
    const pool = `/apis/extensions.agents.x-k8s.io/v1beta1/namespaces/${ns}/sandboxwarmpools/python-warm`;
    const waitStarted = Date.now();
    for (let i = 0; i < 300 && ((await kubeRequest(access, "GET", pool)).body?.status?.readyReplicas ?? 0) < 1; i++) {
        await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`• warm pool python-warm has a Ready sandbox … ${((Date.now() - waitStarted) / 1000).toFixed(1)} s`);
    const name = `demo-${Date.now().toString(36)}`;
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const ready = watchUntil(access, `${claims}?fieldSelector=metadata.name%3D${name}`, (e) => isReady(e.object), 180_000, opened);
    await open;
    const started = performance.now();
    const created = await kubeRequest(access, "POST", claims, {
        apiVersion: "extensions.agents.x-k8s.io/v1beta1",
        kind: "SandboxClaim",
        metadata: { name },
        spec: { warmPoolRef: { name: "python-warm" } },
    });
    if (created.status !== 201) throw new Error(`claim: ${created.status} ${JSON.stringify(created.body)}`);
    const { object, at } = await ready;
    console.log(`• claim ${name} → Ready from the warm pool … ${((at - started) / 1000).toFixed(3)} s`);

    const podIp = object.status.sandbox.podIPs[0];
    const code = 'python3 -c "import platform; print(6*7, platform.release())"';
    const execStarted = performance.now();
    const answer = onNode(["curl", "-s", "--max-time", "30", "-H", "Content-Type: application/json", "-d", JSON.stringify({ command: code }), `http://${podIp}:8888/execute`]);
    const result = JSON.parse(expectOk(answer, "execute"));
    console.log(`• ran \`${code}\` in the sandbox (gVisor reports its own kernel) … ${((performance.now() - execStarted) / 1000).toFixed(3)} s`);
    console.log(`  stdout: ${result.stdout.trim()}   exit code: ${result.exit_code}`);
    await kubeRequest(access, "DELETE", `${claims}/${name}`);
    console.log(`\nThe platform is still up: KUBECONFIG=${kubeconfig} kubectl get sandboxtemplates,sandboxwarmpools -n ${ns}`);
    console.log("Remove everything with: npm run node:down");
}

main().catch((e) => {
    console.error(`\ndemo failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
});
