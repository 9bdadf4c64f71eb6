// The JSON Schema of `PlatformSpec`, generated from components/spec/types.ts (keys, types, enums,
// required fields, descriptions; unknown keys refused at every level), and Pulumi.yaml's `config:` block
// from that schema. The committed copies are what the validator and the engine load; tests fail when the
// types change without them.
//   npm run schema            rewrite components/spec/platform-spec.schema.json and Pulumi.yaml's config
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { createGenerator } from "ts-json-schema-generator";
import { SPEC_SETTINGS, SpecKey, specSettings } from "../components/spec/schema";
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
    return `${JSON.stringify(schema, null, 2)}\n`;
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

/** Pulumi.yaml with its `config:` block regenerated; everything else kept. */
export function generateProjectFile(schema: string): string {
    const project = yaml.load(fs.readFileSync(PROJECT_FILE, "utf8")) as Record<string, unknown>;
    return yaml.dump({ ...project, config: projectConfig(specSettings(JSON.parse(schema))) }, { lineWidth: 120, noRefs: true });
}

if (require.main === module) {
    const schema = generateSchema();
    fs.writeFileSync(SCHEMA_FILE, schema);
    fs.writeFileSync(PROJECT_FILE, generateProjectFile(schema));
    console.log(`wrote ${path.relative(ROOT, SCHEMA_FILE)} and the config of ${path.relative(ROOT, PROJECT_FILE)}`);
}
