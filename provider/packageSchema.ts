// Cloister's Pulumi package schema, inferred from the components' TypeScript types by the Node SDK's
// analyzer (the one `componentProviderHost` runs), with what the analyzer cannot say on its own:
//   - a Kubernetes quantity (`string | number`: `cpu: 2`, `memory: "4Gi"`) is a string, as in every
//     Kubernetes schema (YAML programs may still write a number); the analyzer refuses unions;
//   - a property tagged `@integer` is an integer (Go `int`, Java `Integer`); the analyzer knows `number` only;
//   - object and enum types keep their JSDoc (the SDK's schema generator drops it);
//   - `facts` is no output: a cloud layer's ClusterFacts hold Inputs for SandboxRuntime in TypeScript and
//     are not registered (SandboxRuntime needs a Kubernetes provider object, which cannot cross languages).
// `npm run schema` writes it to provider/schema.json, which the provider serves; a test fails when the
// components change without it.
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { Analyzer, InputOutput, PropertyDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema, PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";

const ROOT = path.resolve(__dirname, "..");
export const PACKAGE_SCHEMA_FILE = path.join(ROOT, "provider/schema.json");
export const PACKAGE_NAME = "cloister";
/** The components other languages get, by class name (token `cloister:index:<name>`). */
export const PACKAGE_COMPONENTS = ["SandboxPlatform", "GcpSandboxCluster", "AwsSandboxCluster", "AzureSandboxCluster"];
const TS_ONLY_OUTPUTS = ["facts"];

// The analyzer's recursive type walk; private in its typings, replaced per instance below.
type AnalyzeType = (
    context: { inputOutput: InputOutput },
    type: ts.Type,
    location: ts.Node,
    optional?: boolean,
    docString?: string,
) => PropertyDefinition;

function isQuantity(type: ts.Type): boolean {
    if (!type.isUnion()) return false;
    const kinds = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)).map((t) => t.flags & (ts.TypeFlags.String | ts.TypeFlags.Number));
    return kinds.length === 2 && kinds.includes(ts.TypeFlags.String) && kinds.includes(ts.TypeFlags.Number);
}

const isTaggedInteger = (location: ts.Node) => ts.getJSDocTags(location).some((tag) => tag.tagName.text === "integer");

export function generatePackageSchema(): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; description: string };
    // components/tsconfig.json limits the program to the components; all.ts exports every one of them.
    const analyzer = new Analyzer(path.join(ROOT, "components"), PACKAGE_NAME, { main: "all.ts" }, new Set(PACKAGE_COMPONENTS));
    const walk = analyzer as unknown as { analyzeType: AnalyzeType };
    const analyzeType = walk.analyzeType.bind(analyzer);
    // JSDoc of every object type the walk meets: the analyzer reads it only from the files it searched for components.
    const typeDocs = new Map<string, string>();
    walk.analyzeType = (context, type, location, optional = false, docString) => {
        const symbol = type.isClassOrInterface() ? type.getSymbol() : undefined;
        if (symbol) typeDocs.set(symbol.getName(), ts.displayPartsToString(symbol.getDocumentationComment(undefined)));
        if (isQuantity(type)) {
            // What the analyzer's own primitives get: optional, plain outside Input<T>, described.
            return {
                type: "string",
                ...(optional || (type as ts.UnionType).types.some((t) => t.flags & ts.TypeFlags.Undefined) ? { optional: true } : {}),
                ...(context.inputOutput === InputOutput.Neither ? { plain: true } : {}),
                ...(docString ? { description: docString } : {}),
            };
        }
        const property = analyzeType(context, type, location, optional, docString);
        if ("type" in property && property.type === "number" && isTaggedInteger(location)) property.type = "integer";
        return property;
    };
    const { components, typeDefinitions, dependencies } = analyzer.analyze();

    const schema: PackageSpec = generateSchema(PACKAGE_NAME, pkg.version, pkg.description, components, typeDefinitions, dependencies);
    for (const [name, definition] of Object.entries(typeDefinitions)) {
        const description = definition.description || typeDocs.get(name);
        if (description) schema.types[`${PACKAGE_NAME}:index:${name}`].description = description;
    }
    for (const resource of Object.values(schema.resources)) {
        for (const key of TS_ONLY_OUTPUTS) delete resource.properties?.[key];
        resource.required = resource.required?.filter((key) => !TS_ONLY_OUTPUTS.includes(key));
    }
    // Only the types the resources still reach (ClusterFacts and its parts went with `facts`).
    const reached = new Set<string>();
    const visit = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(visit);
        if (node === null || typeof node !== "object") return;
        for (const [key, value] of Object.entries(node)) {
            const token = key === "$ref" && typeof value === "string" ? value.replace(/^#\/types\//, "") : undefined;
            if (token && !reached.has(token)) {
                reached.add(token);
                visit(schema.types[token]);
            }
            visit(value);
        }
    };
    visit(schema.resources);
    schema.types = Object.fromEntries(Object.entries(schema.types).filter(([token]) => reached.has(token)));
    // As `pulumi package get-schema` prints it: `required` lists say what is optional (the analyzer's
    // `optional` flags are not schema), and empty lists are left out.
    const canonical = (key: string, value: unknown) =>
        (key === "optional" && typeof value === "boolean") || ((key === "required" || key === "dependencies") && Array.isArray(value) && value.length === 0)
            ? undefined
            : value;
    return `${JSON.stringify(schema, canonical, 2)}\n`;
}
