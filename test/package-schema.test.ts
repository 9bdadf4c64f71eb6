// provider/schema.json is Cloister's Pulumi package schema, what `pulumi package add` generates the Python,
// Go, .NET and Java SDKs from and what YAML programs are checked against: it must be what the components'
// types say, and say it well enough for typed languages.
import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { generatePackageSchema, PACKAGE_COMPONENTS, PACKAGE_SCHEMA_FILE } from "../provider/packageSchema";

interface Property {
    type?: string;
    $ref?: string;
    plain?: boolean;
    description?: string;
    items?: Property;
    additionalProperties?: Property;
}
interface Schema {
    resources: Record<string, { description?: string; inputProperties: Record<string, Property>; properties: Record<string, Property> }>;
    types: Record<string, { description?: string; properties?: Record<string, Property>; enum?: { name: string; description?: string }[] }>;
}
const schema = JSON.parse(fs.readFileSync(PACKAGE_SCHEMA_FILE, "utf8")) as Schema;

/** Every property in the schema, named `<token>.<property>`. */
function properties(): [string, Property][] {
    return [
        ...Object.entries(schema.resources).flatMap(([token, r]) =>
            [...Object.entries(r.inputProperties), ...Object.entries(r.properties)].map(([k, p]) => [`${token}.${k}`, p] as [string, Property]),
        ),
        ...Object.entries(schema.types).flatMap(([token, t]) => Object.entries(t.properties ?? {}).map(([k, p]) => [`${token}.${k}`, p] as [string, Property])),
    ];
}

describe("provider/schema.json", () => {
    it("is the schema the components' types give (run npm run schema after changing them)", () => {
        expect(fs.readFileSync(PACKAGE_SCHEMA_FILE, "utf8")).toBe(generatePackageSchema());
    }, 120_000);

    it("offers SandboxPlatform and the three cloud layers as cloister:index:<Class>", () => {
        expect(Object.keys(schema.resources).sort()).toEqual(PACKAGE_COMPONENTS.map((c) => `cloister:index:${c}`).sort());
        expect(PACKAGE_COMPONENTS).toEqual(["SandboxPlatform", "GcpSandboxCluster", "AwsSandboxCluster", "AzureSandboxCluster"]);
    });

    it("describes every component, property, type and enum value", () => {
        const undescribed = [
            ...Object.entries(schema.resources).filter(([, r]) => !r.description).map(([token]) => token),
            ...Object.entries(schema.types).filter(([, t]) => !t.description).map(([token]) => token),
            ...Object.entries(schema.types).flatMap(([token, t]) => (t.enum ?? []).filter((e) => !e.description).map((e) => `${token}.${e.name}`)),
            ...properties().filter(([, p]) => !p.description).map(([name]) => name),
        ];
        expect(undescribed).toEqual([]);
    });

    it("types every count, size and port as an integer and quantities as strings", () => {
        // Every number in a spec is whole (node counts, GiB, replicas, ports, quotas): none may be a float.
        expect(properties().filter(([, p]) => p.type === "number" || p.items?.type === "number").map(([name]) => name)).toEqual([]);
        const type = (name: string) => schema.types[`cloister:index:${name}`].properties!;
        expect(type("SandboxPoolSpec").minNodes.type).toBe("integer");
        expect(type("SandboxTemplateSpec").port.type).toBe("integer");
        expect(type("NetworkSpec").maxPodsPerNode.type).toBe("integer");
        for (const quantity of ["cpu", "memory", "ephemeralStorage"]) expect(type("SandboxTemplateSpec")[quantity].type).toBe("string");
        expect(type("SandboxNamespaceSpec").cpuQuota.type).toBe("string");
    });

    it("takes the spec as a plain value and the kubeconfig as an Input, and exposes no TypeScript-only facts", () => {
        const platform = schema.resources["cloister:index:SandboxPlatform"];
        expect(platform.inputProperties.spec).toMatchObject({ $ref: "#/types/cloister:index:PlatformSpec", plain: true });
        expect(platform.inputProperties.kubeconfig.plain).toBeUndefined();
        for (const [token, resource] of Object.entries(schema.resources)) expect(Object.keys(resource.properties), token).not.toContain("facts");
        expect(Object.keys(schema.types).filter((t) => /Facts$/.test(t))).toEqual([]);
    });
});
