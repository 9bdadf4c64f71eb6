// The `cloister` Pulumi provider: serves the committed package schema (provider/schema.json) and constructs
// the components for programs in other languages. It is what `componentProviderHost` would run, except that
// the schema is the extended one from provider/packageSchema.ts and arguments are resolved to the plain values the
// components read (provider/inputs.ts).
import * as pulumi from "@pulumi/pulumi";
import { AwsSandboxCluster, AzureSandboxCluster, GcpSandboxCluster, SandboxPlatform } from "../components/all";
import { resolveArgs, SchemaNode } from "./inputs";
import schema from "./schema.json";

type Component = new (name: string, args: never, opts?: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;
const COMPONENTS: Record<string, Component> = { SandboxPlatform, GcpSandboxCluster, AwsSandboxCluster, AzureSandboxCluster };

interface ResourceSchema {
    inputProperties: Record<string, SchemaNode>;
    properties: Record<string, SchemaNode>;
}
const resources = schema.resources as Record<string, ResourceSchema>;
const types = schema.types as Record<string, SchemaNode>;

export class CloisterProvider implements pulumi.provider.Provider {
    public readonly version = schema.version;

    async getSchema(): Promise<string> {
        return JSON.stringify(schema);
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<pulumi.provider.ConstructResult> {
        const resource = resources[type];
        const component = resource && COMPONENTS[type.split(":")[2]];
        if (!component) throw new Error(`unknown resource type ${type}`);
        const { args, dependsOn } = await resolveArgs(inputs, resource.inputProperties, types, component.name);
        // The host passes the registration's own dependencies as an array of resources.
        const explicit = (options.dependsOn ?? []) as pulumi.Resource[];
        const instance = new component(name, args as never, { ...options, dependsOn: [...explicit, ...dependsOn] });
        const outputs = instance as unknown as Record<string, unknown>;
        return { urn: instance.urn, state: Object.fromEntries(Object.keys(resource.properties).map((key) => [key, outputs[key]])) };
    }
}
