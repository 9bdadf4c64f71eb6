// What a gVisor node on EKS boots with — the user-data script and the NodeConfig — checked by bash and a
// YAML parser, not by eye.
import { spawnSync } from "child_process";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { gvisorNodeConfig, poolUserData } from "../components/aws/nodePools";
import { gvisorInstallScript } from "../components/kubernetes/gvisorInstaller";
import { resolveSpec } from "../components/spec/defaults";
import { PlatformSpec } from "../components/spec/types";

const spec: PlatformSpec = {
    target: "aws",
    name: "boot",
    region: "us-east-1",
    sandboxPools: [{ name: "gv", isolation: "gvisor" }],
    templates: [{ name: "py", image: "img", isolation: "gvisor" }],
};

describe("what a gVisor node boots with", () => {
    it("runs a boot script bash accepts, failing on any error", () => {
        for (const gpu of [false, true]) {
            const script = gvisorInstallScript("20260921.0", { gpu, register: false });
            const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
            expect(check.status, check.stderr).toBe(0);
            expect(script.split("\n").slice(0, 2)).toEqual(["#!/bin/bash", "set -euo pipefail"]);
        }
    });

    it("hands nodeadm a NodeConfig whose containerd config registers runsc (and nvproxy's config on GPU nodes)", () => {
        const doc = yaml.load(gvisorNodeConfig(true)) as { apiVersion: string; kind: string; spec: { containerd: { config: string } } };
        expect(doc).toMatchObject({ apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig" });
        expect(doc.spec.containerd.config).toContain('runtime_type = "io.containerd.runsc.v1"');
        expect(doc.spec.containerd.config).toContain('ConfigPath = "/etc/containerd/runsc.toml"');
        const resolved = resolveSpec(spec);
        const data = poolUserData(resolved, resolved.pools[0])!;
        // Multipart MIME: a NodeConfig part and a shell-script part, closed by the final boundary.
        expect(data).toMatch(/^MIME-Version: 1\.0\nContent-Type: multipart\/mixed; boundary="CLOISTER"\n/);
        expect(data.match(/^--CLOISTER$/gm)).toHaveLength(2);
        expect(data.trimEnd().endsWith("--CLOISTER--")).toBe(true);
    });
});
