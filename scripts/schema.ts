// The JSON Schema of `PlatformSpec`, generated from components/spec/types.ts (keys, types, enums,
// required fields, descriptions; unknown keys refused at every level), and Pulumi.yaml's `config:` block
// from that schema, and the Pulumi package schema of the components (provider/packageSchema.ts). The committed
// copies are what the validator, the engine and the provider load; tests fail when the types change without them.
//   npm run schema            rewrite components/spec/platform-spec.schema.json, Pulumi.yaml's config,
//                             README's config reference and provider/schema.json
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { createGenerator } from "ts-json-schema-generator";
import { SPEC_SETTINGS, SpecKey, specSettings } from "../components/spec/schema";
import { generatePackageSchema, PACKAGE_SCHEMA_FILE } from "../provider/packageSchema";
import { STACK_SETTINGS } from "../stacks/config";

const ROOT = path.resolve(__dirname, "..");
export const SCHEMA_FILE = path.join(ROOT, "components/spec/platform-spec.schema.json");

export function generateSchema(): string {
    const schema = createGenerator({
        path: path.join(ROOT, "components/spec/types.ts"),
        type: "PlatformSpec",
        skipTypeCheck: true,
        additionalProperties: false,
        topRef: true,
    }).createSchema("PlatformSpec");
    return `${JSON.stringify(inputsAsStrings(schema), null, 2)}\n`;
}

const INPUT = "#/definitions/Input%3Cstring%3E";

/**
 * `Input<string>` is a string in the schema: stack config (and other languages) give plain strings; a
 * TypeScript program's Outputs are mapped to strings before the shape check (components/spec/schema.ts).
 */
function inputsAsStrings(schema: any): any {
    const walk = (node: any): any => {
        if (Array.isArray(node)) return node.map(walk);
        if (typeof node !== "object" || node === null) return node;
        if (node.$ref === INPUT) {
            const { $ref: _ref, ...rest } = node;
            return { type: "string", ...rest };
        }
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    };
    const result = walk(schema);
    delete result.definitions["Input<string>"];
    delete result.definitions["OutputInstance<string>"];
    return result;
}

export const PROJECT_FILE = path.join(ROOT, "Pulumi.yaml");

/**
 * `Pulumi.yaml`'s `config:` block, from the same schema: one key per spec setting (plus the stack's own),
 * typed, described with its keys or values, and defaulted to "unset" unless the spec requires it.
 */
export function projectConfig(settings: SpecKey[] = SPEC_SETTINGS): Record<string, object> {
    const config: Record<string, object> = {};
    for (const key of settings) {
        const listed = key.keys.length ? ` Keys: ${key.keys.join(", ")}.` : key.values.length ? ` One of: ${key.values.join(", ")}.` : "";
        const description = `${key.description}${listed}`.trim();
        const typed = key.kind === "list" ? { type: "array", items: { type: "object" } } : { type: key.kind === "map" ? "object" : "string" };
        const unset = key.kind === "list" ? [] : key.kind === "map" ? {} : "";
        config[key.name] = { ...typed, description, ...(key.required ? {} : { default: unset }) };
    }
    for (const s of STACK_SETTINGS) config[s.name] = { type: "string", description: s.description, default: "" };
    return config;
}

interface Node {
    type?: string | string[];
    $ref?: string;
    enum?: string[];
    description?: string;
    properties?: Record<string, Node>;
    items?: Node;
    additionalProperties?: Node | boolean;
}

/** The reference table of every setting (top-level keys and the keys inside them), from a schema. */
export function configReference(schema: string): string {
    const definitions = (JSON.parse(schema) as { definitions: Record<string, Node> }).definitions;
    const resolve = (n: Node): Node => (n.$ref ? definitions[n.$ref.replace("#/definitions/", "")] : n);
    const typeOf = (n: Node): string => {
        const r = resolve(n);
        if (r.enum) return r.enum.map((v) => `\`${v}\``).join(" / ");
        if (r.type === "array") return `list of ${typeOf(r.items ?? {})}`;
        if (r.type === "object") return r.properties ? "map" : "map of strings";
        return [r.type ?? "any"].flat().join(" or ");
    };
    const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
    const split = (n: Node) => {
        const text = n.description ?? resolve(n).description ?? "";
        const [meaning, fallback] = text.split(/\s*Default - /);
        return { meaning: cell(meaning), fallback: fallback === undefined ? "" : cell(fallback) };
    };
    const rows: string[] = [];
    const add = (key: string, n: Node, required: boolean) => {
        const { meaning, fallback } = split(n);
        rows.push(`| \`${key}\` | ${typeOf(n)} | ${required ? "required" : fallback} | ${meaning} |`);
    };
    const spec = definitions.PlatformSpec;
    const required = (spec as { required?: string[] }).required ?? [];
    for (const [key, n] of Object.entries(spec.properties ?? {})) {
        const inner = resolve(n.type === "array" ? n.items ?? {} : n);
        if (inner.properties) {
            const prefix = n.type === "array" ? `${key}[]` : key;
            const innerRequired = (inner as { required?: string[] }).required ?? [];
            for (const [sub, sn] of Object.entries(inner.properties)) add(`${prefix}.${sub}`, sn, innerRequired.includes(sub));
        } else {
            add(key, n, required.includes(key));
        }
    }
    for (const setting of STACK_SETTINGS) rows.push(`| \`${setting.name}\` | string | ambient | ${cell(setting.description)} |`);
    return ["| Key | Type | Default | Meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export const README_FILE = path.join(ROOT, "README.md");
const BEGIN = "<!-- config-reference: generated by npm run schema -->";
const END = "<!-- /config-reference -->";

/** README with its config reference table regenerated between the markers. */
export function generateReadme(schema: string): string {
    const readme = fs.readFileSync(README_FILE, "utf8");
    const a = readme.indexOf(BEGIN);
    const b = readme.indexOf(END);
    if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${BEGIN} … ${END}`);
    return `${readme.slice(0, a + BEGIN.length)}\n${configReference(schema)}\n${readme.slice(b)}`;
}

/** Pulumi.yaml with its `config:` block regenerated; everything else kept. */
export function generateProjectFile(schema: string): string {
    const project = yaml.load(fs.readFileSync(PROJECT_FILE, "utf8")) as Record<string, unknown>;
    return yaml.dump({ ...project, config: projectConfig(specSettings(JSON.parse(schema))) }, { lineWidth: 120, noRefs: true });
}

if (require.main === module) {
    const schema = generateSchema();
    fs.writeFileSync(SCHEMA_FILE, schema);
    fs.writeFileSync(PROJECT_FILE, generateProjectFile(schema));
    fs.writeFileSync(README_FILE, generateReadme(schema));
    fs.writeFileSync(PACKAGE_SCHEMA_FILE, generatePackageSchema());
    console.log(
        `wrote ${path.relative(ROOT, SCHEMA_FILE)}, the config of ${path.relative(ROOT, PROJECT_FILE)}, README's config reference and ${path.relative(ROOT, PACKAGE_SCHEMA_FILE)}`,
    );
}
