// Programs in other languages reach the components through the provider host, and the host hands them
// values that depend on another resource, are secret or are unknown at preview as Outputs: nested, or
// wrapping a whole argument. These tests build the ConstructRequest the engine sends, decode it with the
// host's own deserializeInputs, and construct through CloisterProvider under the mocks.
import * as pulumi from "@pulumi/pulumi";
import { ConstructRequest } from "@pulumi/pulumi/proto/provider_pb";
import { specialOutputValueSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as fs from "fs";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as yaml from "js-yaml";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { PlatformSpec } from "../components/spec/types";
import { resolveArgs, SchemaNode } from "../provider/inputs";
import { CloisterProvider } from "../provider/provider";
import schema from "../provider/schema.json";
import { PlanRecorder } from "../scripts/mocks";

// Both are what the provider host itself calls around `construct` (internal to the SDK, so untyped).
const host = require("@pulumi/pulumi/provider/server") as {
    deserializeInputs(inputs: Struct, dependencies: ReturnType<ConstructRequest["getInputdependenciesMap"]>): Promise<pulumi.Inputs>;
};
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const ROOT = path.resolve(__dirname, "..");
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
const POOLS_URN = "urn:pulumi:test::cloister-mlc::cloud:index:Pools::pools";

/** An output value as the engine sends it: a value that depends on resources, maybe secret; no value is unknown. */
const outputValue = (value: JavaScriptValue | undefined, dependencies: string[], secret = false) => ({
    [specialSigKey]: specialOutputValueSig,
    ...(value === undefined ? {} : { value }),
    dependencies,
    secret,
});

/** The inputs a component receives for `inputs`, `dependencies` being the property dependencies of the registration. */
async function received(inputs: Record<string, JavaScriptValue>, dependencies: Record<string, string[]> = {}): Promise<pulumi.Inputs> {
    const req = new ConstructRequest();
    req.setInputs(Struct.fromJavaScript(inputs));
    for (const [key, urns] of Object.entries(dependencies)) {
        req.getInputdependenciesMap().set(key, new ConstructRequest.PropertyDependencies().setUrnsList(urns));
    }
    return host.deserializeInputs(req.getInputs()!, req.getInputdependenciesMap());
}

/** The spec a stack file configures (its `cloister:` keys). */
function stackSpec(stack: string): PlatformSpec {
    const config = (yaml.load(fs.readFileSync(path.join(ROOT, `stacks/Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
    const spec = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith("cloister:")).map(([k, v]) => [k.slice("cloister:".length), v]));
    return (spec.target === "gcp" ? { ...spec, gcp: { ...(spec.gcp as object), project: config["gcp:project"] } } : spec) as unknown as PlatformSpec;
}

const platform = schema.resources["cloister:index:SandboxPlatform"];
const types = schema.types as Record<string, SchemaNode>;
const resolvePlatform = (inputs: pulumi.Inputs) => resolveArgs(inputs, platform.inputProperties as Record<string, SchemaNode>, types, "SandboxPlatform");
const local = stackSpec("local") as unknown as Record<string, JavaScriptValue>;

async function refusal(inputs: pulumi.Inputs): Promise<pulumi.InputPropertiesError> {
    const error = await resolvePlatform(inputs).then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    return error as pulumi.InputPropertiesError;
}

let recorder: PlanRecorder;
const registeredOutputs = new Map<string, string[]>();

beforeAll(async () => {
    recorder = await PlanRecorder.install("cloister-mlc", "test");
    // What each component registers as its outputs (the mock monitor's own method, wrapped).
    const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: unknown) => {
        registeredOutputs.set(req.getUrn(), Object.keys(req.getOutputs()?.toJavaScript() ?? {}));
        return registerOutputs(req, callback);
    };
});

describe("arguments from the provider host", () => {
    it("a list that arrives as an Output (it depends on a resource) is a list again, and the component depends on that resource", async () => {
        const inputs = await received({ spec: { ...local, sandboxPools: outputValue(local.sandboxPools, [POOLS_URN]) } });
        expect(pulumi.Output.isInstance((inputs.spec as Record<string, unknown>).sandboxPools)).toBe(true);
        const { args, dependsOn } = await resolvePlatform(inputs);
        expect(args.spec).toEqual(local);
        expect(await Promise.all(dependsOn.map((d) => valueOf(d.urn)))).toEqual([POOLS_URN]);
    });

    it("a spec wrapped whole in an Output (its property depends on a resource) is the plain spec", async () => {
        const inputs = await received({ spec: local }, { spec: [POOLS_URN] });
        expect(pulumi.Output.isInstance(inputs.spec)).toBe(true);
        const { args, dependsOn } = await resolvePlatform(inputs);
        expect(args.spec).toEqual(local);
        expect(dependsOn).toHaveLength(1);
    });

    it("a secret spec setting is refused, by its field", async () => {
        const cluster = { ...(local.cluster as Record<string, JavaScriptValue>), storageProvisioner: outputValue("rancher.io/local-path", [], true) };
        const error = await refusal(await received({ spec: { ...local, cluster } }));
        expect(error.errors).toEqual([{ propertyPath: "spec.cluster.storageProvisioner", reason: expect.stringMatching(/is a secret/) }]);
    });

    it("a setting the spec takes as an Input (an ID, a key, an image) stays an Output, secret and all", async () => {
        const cluster = { ...(local.cluster as Record<string, JavaScriptValue>), snapshotBucketUrl: outputValue("s3://private", [], true) };
        const { args } = await resolvePlatform(await received({ spec: { ...local, cluster } }));
        const url = (args.spec as { cluster: { snapshotBucketUrl: pulumi.Output<string> } }).cluster.snapshotBucketUrl;
        expect(pulumi.Output.isInstance(url)).toBe(true);
        expect(await pulumi.isSecret(url)).toBe(true);
    });

    it("a spec setting unknown at preview is refused, by its field", async () => {
        const cluster = { ...(local.cluster as Record<string, JavaScriptValue>), apiServerCidrs: outputValue(undefined, [POOLS_URN]) };
        const error = await refusal(await received({ spec: { ...local, cluster } }));
        expect(error.errors).toEqual([{ propertyPath: "spec.cluster.apiServerCidrs", reason: expect.stringMatching(/not known before the deploy/) }]);
        expect(error.message).toMatch(/^SandboxPlatform: spec\.cluster\.apiServerCidrs is not known/);
    });

    it("the kubeconfig (an Input) stays a secret Output", async () => {
        const { args } = await resolvePlatform(await received({ spec: local, kubeconfig: outputValue("apiVersion: v1", [], true) }));
        expect(pulumi.Output.isInstance(args.kubeconfig)).toBe(true);
        expect(await pulumi.isSecret(args.kubeconfig as pulumi.Output<string>)).toBe(true);
    });
});

describe("CloisterProvider.construct", () => {
    const provider = new CloisterProvider();
    const cases: [string, string][] = [
        ["SandboxPlatform", "local"],
        ["GcpSandboxCluster", "gcp-dev"],
        ["AwsSandboxCluster", "aws-dev"],
        ["AzureSandboxCluster", "azure-dev"],
    ];

    it.each(cases)("builds %s from the %s spec with its pools arriving as an Output, and returns exactly the outputs it registers", async (component, stack) => {
        const spec = stackSpec(stack) as unknown as Record<string, JavaScriptValue>;
        const token = `cloister:index:${component}`;
        const name = `mlc-${stack}`;
        const inputs = await received({ spec: { ...spec, sandboxPools: outputValue(spec.sandboxPools, [POOLS_URN]) } });
        const result = await provider.construct(name, token, inputs, {});
        await waitForRPCs();

        const urn = await valueOf(pulumi.output(result.urn));
        const registered = recorder.resources().find((r) => r.type === token && r.name === name)!;
        expect(registered.dependsOn).toEqual([POOLS_URN]);
        const resources = recorder.resources();
        const within = (r: { parent: string | null }): boolean => r.parent === `${token}::${name}` || resources.some((p) => `${p.type}::${p.name}` === r.parent && within(p));
        expect(resources.filter(within).length).toBeGreaterThan(10);
        const declared = Object.keys((schema.resources as Record<string, { properties: object }>)[token].properties);
        expect(Object.keys(result.state).sort()).toEqual(declared.sort());
        expect(registeredOutputs.get(urn)?.sort()).toEqual(declared.sort());
    }, 60_000);

    it("refuses a type it does not serve", async () => {
        await expect(provider.construct("x", "cloister:index:SandboxRuntime", {}, {})).rejects.toThrow("unknown resource type cloister:index:SandboxRuntime");
    });
});
