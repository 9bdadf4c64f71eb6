// Capacity math and the facts it reads. Expected figures are worked out here from GKE's documented
// reservation rules and machine sizes, not taken from the implementation.
import { describe, expect, it } from "vitest";
import { AWS_GPU_INSTANCES, gcpMachineShape, gkeAllocatable, GCP_GPU_MACHINES, GCP_MACHINE_FAMILIES } from "../components/spec/cloudFacts";
import { AWS_GPU_INSTANCE_TYPES, GCP_GPU_MACHINE_TYPES } from "../components/spec/defaults";
import { parseQuantity } from "../components/spec/capacity";
import { PlatformSpec } from "../components/spec/types";
import { prepareSpec, SpecError } from "../components/validation";
import { plan, runPlan } from "./plan";

describe("GKE machine facts", () => {
    it("sizes machine types from their names", () => {
        expect(gcpMachineShape("n2-standard-8")).toEqual({ vcpus: 8, memoryGiB: 32 });
        expect(gcpMachineShape("n1-standard-16")).toEqual({ vcpus: 16, memoryGiB: 60 });
        expect(gcpMachineShape("n2-custom-6-24576")).toEqual({ vcpus: 6, memoryGiB: 24 });
        expect(gcpMachineShape("g2-standard-24")).toEqual({ vcpus: 24, memoryGiB: 96 });
        expect(gcpMachineShape("z9-mystery-8")).toBeUndefined();
    });

    it("reserves what GKE documents for a 8 vCPU / 32 GiB node", () => {
        // CPU: 6% of core 1 + 1% of core 2 + 0.5% of cores 3-4 + 0.25% of cores 5-8 = 0.09.
        // Memory: 25% of 4 + 20% of 4 + 10% of 8 + 6% of 16 = 3.56 GiB, plus the 100 MiB eviction threshold.
        const node = gkeAllocatable({ vcpus: 8, memoryGiB: 32 });
        expect(node.vcpus).toBeCloseTo(7.91, 5);
        expect(node.memoryGiB).toBeCloseTo(32 - 3.56 - 100 / 1024, 5);
    });

    it("keeps every default GPU machine consistent with the accelerator table", () => {
        for (const [model, byCount] of Object.entries(GCP_GPU_MACHINE_TYPES)) {
            for (const [count, machine] of Object.entries(byCount)) {
                const fixed = GCP_GPU_MACHINES[machine];
                if (fixed) expect({ machine, model: fixed.accelerator, gpus: fixed.gpus }).toEqual({ machine, model, gpus: Number(count) });
                else expect(machine.startsWith("n1-")).toBe(true);
            }
        }
    });

    it("keeps every default EC2 GPU instance consistent with the instance table", () => {
        for (const [model, byCount] of Object.entries(AWS_GPU_INSTANCE_TYPES)) {
            for (const [count, instance] of Object.entries(byCount)) {
                expect({ instance, model: AWS_GPU_INSTANCES[instance]?.accelerator, gpus: AWS_GPU_INSTANCES[instance]?.gpus }).toEqual({ instance, model, gpus: Number(count) });
            }
        }
    });

    it("knows the fourth-generation families attach Hyperdisk only, and the older ones no Hyperdisk Balanced", () => {
        for (const f of ["n4", "c4", "c4a", "c4d"]) expect(GCP_MACHINE_FAMILIES[f].disks).toEqual(["hyperdisk-balanced"]);
        for (const f of ["e2", "n1", "n2", "n2d"]) expect(GCP_MACHINE_FAMILIES[f].disks).toEqual(["pd-balanced"]);
    });
});

describe("quantities", () => {
    it("reads CPU and memory as Kubernetes writes them", () => {
        expect(parseQuantity("500m")).toBeCloseTo(0.5);
        expect(parseQuantity("2")).toBe(2);
        expect(parseQuantity("4Gi")).toBe(4 * 2 ** 30);
        expect(parseQuantity("128Mi")).toBe(128 * 2 ** 20);
        expect(parseQuantity("1G")).toBe(1e9);
        expect(() => parseQuantity("lots")).toThrow(/not a Kubernetes quantity/);
    });
});

describe("capacity in the plan", () => {
    it("prints how many sandboxes of each template each pool holds (gcp-dev: 1-CPU python on ten n2-standard-8)", () => {
        // 7.91 allocatable CPU per n2-standard-8 → 7 one-CPU sandboxes (GKE's gvisor class has no overhead);
        // memory allows 14 of 2 GiB; gcp-dev's gvisor pool grows to 10 nodes.
        const p = plan("gcp-dev") as ReturnType<typeof plan> & { capacity: string[] };
        expect(p.capacity).toContain("pool gvisor holds at most 70 sandboxes of template python (7 per node × 10 nodes)");
        const text = runPlan("gcp-dev", []);
        expect(text.stdout).toMatch(/\ncapacity:\n {2}pool gvisor holds at most 70 sandboxes of template python/);
    });
});

function thrown(run: () => unknown): SpecError {
    try {
        run();
    } catch (e) {
        return e as SpecError;
    }
    throw new Error("expected an error");
}

describe("prepareSpec, the one way in", () => {
    const spec: PlatformSpec = {
        target: "kubernetes",
        name: "once",
        cluster: { storageProvisioner: "x.csi.example.com" },
        sandboxPools: [{ name: "gv", isolation: "gvisor" }],
        templates: [{ name: "py", image: "img", isolation: "gvisor" }],
    };

    it("checks and resolves a spec object once; the components it reaches reuse the result", () => {
        const first = prepareSpec(spec, "SandboxPlatform");
        expect(prepareSpec(spec, "SandboxRuntime")).toBe(first);
        expect(first.resolved.templates[0].cpu).toBe("1");
    });

    it("names library paths from the args and stack paths by config key", () => {
        const bad = { ...spec, sandboxPools: [{ name: "gv", isolation: "gvisor" as const }, { name: "gw", isolation: "gvisor" as const, minNodes: 4, maxNodes: 2 }] };
        const library = thrown(() => prepareSpec(bad, "SandboxPlatform"));
        expect(library.errors.map((e) => e.propertyPath)).toEqual(["spec.sandboxPools[1].minNodes"]);
        expect(library.message).toBe("SandboxPlatform: invalid platform spec (1 problem):\n  spec.sandboxPools[1].minNodes: minNodes (4) must not exceed maxNodes (2)");
        const stack = thrown(() => prepareSpec(bad, "", "cloister:"));
        expect(stack.message).toMatch(/^invalid stack configuration \(1 problem\):\n {2}cloister:sandboxPools\[1\]\.minNodes: /);
        // The engine prints a RunError's message without a stack trace.
        expect((stack as unknown as { __pulumiRunError: boolean }).__pulumiRunError).toBe(true);
        expect(stack.stack).toBe(stack.message);
    });
});
