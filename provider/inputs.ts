// What the provider host hands a component: the engine sends a value that depends on another resource,
// is secret or is unknown (preview) as an Output, nested anywhere in an argument, or wraps the whole
// argument in one. Cloister's components read their spec as plain values while they are constructed (the
// spec decides which resources exist), so wherever the package schema says `plain`, every Output is awaited
// first, and what cannot become a plain value is refused by field: a value unknown before the deploy, and a
// secret (spec settings are written in plain text into the resources Cloister creates). Arguments the schema
// types as Inputs (a kubeconfig) stay Outputs, secret and with their dependencies.
import * as pulumi from "@pulumi/pulumi";

/** A property or type of the package schema, as far as resolving needs it. */
export interface SchemaNode {
    $ref?: string;
    type?: string;
    plain?: boolean;
    items?: SchemaNode;
    additionalProperties?: SchemaNode;
    properties?: Record<string, SchemaNode>;
}

export interface ResolvedArgs {
    args: Record<string, unknown>;
    /**
     * The resources the awaited values came from. Engines send them as the registration's dependencies too;
     * adding them keeps the component depending on them whatever the calling SDK sent.
     */
    dependsOn: pulumi.Resource[];
}

// Every Output has it (apply runs only when it is true); the SDK's typings leave it out.
const isKnown = (output: pulumi.Output<unknown>) => (output as unknown as { isKnown: Promise<boolean> }).isKnown;

const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

/**
 * `inputs` with every Output under a plain property replaced by its value. Throws an InputPropertiesError
 * naming each field (`spec.cluster.apiServerCidrs`) whose value is unknown or secret.
 */
export async function resolveArgs(inputs: pulumi.Inputs, properties: Record<string, SchemaNode>, types: Record<string, SchemaNode>, component: string): Promise<ResolvedArgs> {
    const problems: pulumi.InputPropertyErrorDetails[] = [];
    const dependsOn = new Set<pulumi.Resource>();
    const refuse = (propertyPath: string, reason: string): undefined => {
        problems.push({ propertyPath, reason });
        return undefined;
    };
    const UNKNOWN = "is not known before the deploy (it comes from a resource not created yet), but the spec decides which resources Cloister creates";

    // A position is plain where the schema says so; keys the schema lacks (the validator names them) inherit it.
    const resolve = async (value: unknown, node: SchemaNode | undefined, path: string, inherited: boolean): Promise<unknown> => {
        const plain = node ? node.plain === true : inherited;
        if (!plain) return value;
        if (pulumi.Output.isInstance(value)) {
            if (!(await isKnown(value))) return refuse(path, UNKNOWN);
            if (await pulumi.isSecret(value)) return refuse(path, "is a secret, but spec settings are written in plain text into the resources Cloister creates");
            for (const dependency of await pulumi.getAllResources(value)) dependsOn.add(dependency);
            return resolve(await valueOf(value), node, path, plain);
        }
        if (pulumi.isUnknown(value)) return refuse(path, UNKNOWN);
        const type = node?.$ref ? types[node.$ref.replace("#/types/", "")] : node;
        if (Array.isArray(value)) return Promise.all(value.map((item, i) => resolve(item, type?.items, `${path}[${i}]`, plain)));
        if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
            const fields = Object.entries(value).map(async ([key, item]) => [key, await resolve(item, type?.properties?.[key] ?? type?.additionalProperties, `${path}.${key}`, plain)]);
            return Object.fromEntries(await Promise.all(fields));
        }
        return value;
    };

    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inputs)) args[key] = await resolve(value, properties[key], key, false);
    if (problems.length > 0) {
        throw new pulumi.InputPropertiesError({
            message: `${component}: ${problems.map((p) => `${p.propertyPath} ${p.reason}`).join("; ")}`,
            errors: problems,
        });
    }
    return { args, dependsOn: [...dependsOn] };
}
