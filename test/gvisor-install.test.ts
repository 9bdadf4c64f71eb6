// The gVisor install script, run for real by bash against a node-shaped directory: downloads from a local
// mirror of the release bucket, checksums, containerd's config under both schema versions, the restart,
// and a second run that changes nothing. Only `systemctl` is a stand-in (it records its arguments).
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gvisorInstallScript } from "../components/kubernetes/gvisorInstaller";

const RELEASE = "20260921.0";
const ARCH = os.arch() === "arm64" ? "aarch64" : "x86_64";
const RUNSC = `#!/bin/sh\necho "runsc version release-${RELEASE}"\n`;
const SHIM = "#!/bin/sh\nexit 0\n";
const CONFIG_V3 = "version = 3\n\n[plugins.'io.containerd.cri.v1.runtime'.containerd]\n  default_runtime_name = 'runc'\n";
const CONFIG_V2 = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n';

let server: http.Server;
let mirror = "";
let requests: string[] = [];
let files: Record<string, string> = {};

const sha512File = (name: string, body: string) => `${createHash("sha512").update(body).digest("hex")}  ${name}\n`;

beforeAll(async () => {
    server = http.createServer((req, res) => {
        requests.push(req.url!);
        const body = files[req.url!];
        res.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

function serve(runsc = RUNSC) {
    const dir = `/${RELEASE}/${ARCH}`;
    files = {
        [`${dir}/runsc`]: runsc,
        [`${dir}/runsc.sha512`]: sha512File("runsc", RUNSC),
        [`${dir}/containerd-shim-runsc-v1`]: SHIM,
        [`${dir}/containerd-shim-runsc-v1.sha512`]: sha512File("containerd-shim-runsc-v1", SHIM),
    };
    requests = [];
}

/** A node root with containerd's config, and a PATH whose systemctl records what it is asked. */
function node(config: string) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-node-"));
    fs.mkdirSync(path.join(root, "etc/containerd"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/containerd/config.toml"), config);
    const bin = path.join(root, "fake-bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> "${root}/systemctl.log"\n`, { mode: 0o755 });
    // Asynchronous, so this process's mirror can answer the script's downloads.
    const run = (gpu: boolean) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn("bash", ["-s", "--", String(gpu)], { env: { ...process.env, ROOT: root, GVISOR_URL: mirror, PATH: `${bin}:${process.env.PATH}` } });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            child.on("close", (status) => resolve({ status, stdout, stderr }));
            child.stdin.end(gvisorInstallScript(RELEASE, { gpu: false, register: true }));
        });
    const read = (file: string) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), "utf8") : "");
    return { root, run, read, config: () => read("etc/containerd/config.toml"), restarts: () => read("systemctl.log").split("\n").filter(Boolean) };
}

/** containerd's config as TOML reads it (Python's tomllib), so a stanza that parses wrong fails here. */
function parseToml(text: string): any {
    const out = spawnSync("python3", ["-c", "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"], { input: text, encoding: "utf8" });
    expect(out.status, out.stderr).toBe(0);
    return JSON.parse(out.stdout);
}

describe("the gVisor install script on a node", () => {
    it("installs checksummed runsc and its shim, registers runsc under containerd 2's plugin ID and restarts containerd once", async () => {
        serve();
        const n = node(CONFIG_V3);
        const first = await n.run(false);
        expect(first.status, first.stderr).toBe(0);
        expect(fs.statSync(path.join(n.root, "usr/local/bin/runsc")).mode & 0o111).not.toBe(0);
        expect(fs.readFileSync(path.join(n.root, "usr/local/bin/containerd-shim-runsc-v1"), "utf8")).toBe(SHIM);
        const cri = parseToml(n.config()).plugins["io.containerd.cri.v1.runtime"].containerd;
        expect(cri.default_runtime_name).toBe("runc");
        expect(cri.runtimes.runsc).toEqual({ runtime_type: "io.containerd.runsc.v1" });
        expect(n.restarts()).toEqual(["restart containerd"]);

        // A second pass (the installer loops) downloads nothing, edits nothing, restarts nothing.
        const config = n.config();
        requests = [];
        const second = await n.run(false);
        expect(second.status, second.stderr).toBe(0);
        expect(requests).toEqual([]);
        expect(n.config()).toBe(config);
        expect(n.restarts()).toEqual(["restart containerd"]);
    });

    it("uses the gRPC CRI plugin ID on a version 2 config (containerd 1.7), and nvproxy on GPU nodes", async () => {
        serve();
        const n = node(CONFIG_V2);
        const run = await n.run(true);
        expect(run.status, run.stderr).toBe(0);
        const runsc = parseToml(n.config()).plugins["io.containerd.grpc.v1.cri"].containerd.runtimes.runsc;
        expect(runsc).toEqual({ runtime_type: "io.containerd.runsc.v1", options: { ConfigPath: "/etc/containerd/runsc.toml" } });
        expect(parseToml(n.read("etc/containerd/runsc.toml"))).toEqual({ runsc_config: { nvproxy: "true" } });
    });

    it("refuses a binary that does not match the release's checksum, installing nothing and leaving containerd alone", async () => {
        serve("#!/bin/sh\necho tampered\n");
        const n = node(CONFIG_V3);
        const run = await n.run(false);
        expect(run.status).not.toBe(0);
        expect(run.stdout + run.stderr).toMatch(/FAILED/);
        expect(fs.existsSync(path.join(n.root, "usr/local/bin/runsc"))).toBe(false);
        expect(n.config()).toBe(CONFIG_V3);
        expect(n.restarts()).toEqual([]);
    });
});
