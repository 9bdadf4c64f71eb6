// The shape of a spec (keys, types, enums, required fields, list vs map), checked against the JSON Schema
// generated from types.ts (`npm run schema`). Unknown keys are refused at every level with the nearest
// valid key suggested; semantic checks (validate.ts) run only on a spec of the right shape.
import * as pulumi from "@pulumi/pulumi";
import Ajv, { ErrorObject } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import schema from "./platform-spec.schema.json";

export interface ShapeProblem {
    path: string;
    reason: string;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateShape = ajv.compile(schema);

/** `/templates/0/cpu` → `templates[0].cpu` */
function fieldPath(instancePath: string, key?: string): string {
    const parts = instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (key !== undefined) parts.push(key);
    return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

const TYPE_NAMES: Record<string, string> = {
    array: "a list (YAML items starting with \"- \")",
    object: "a map of settings (YAML \"key: value\" lines)",
    string: "a string",
    number: "a number",
    integer: "a whole number",
    boolean: "true or false",
};

/** "did you mean" for a misspelled key, when one valid key is close enough to be the intent. */
export function suggestKey(key: string, valid: string[]): string | undefined {
    if (valid.length === 0) return undefined;
    const best = closest(key, valid);
    const near = distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3));
    return near ? best : undefined;
}

function describe(e: ErrorObject, keyPrefix: string): ShapeProblem {
    const at = (key?: string) => fieldPath(e.instancePath, key);
    switch (e.keyword) {
        case "additionalProperties": {
            const key = (e.params as { additionalProperty: string }).additionalProperty;
            const valid = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
            const suggestion = suggestKey(key, valid);
            const parent = at();
            const full = (k: string) => `${keyPrefix}${parent ? `${parent}.` : ""}${k}`;
            return {
                path: at(key),
                reason: suggestion
                    ? `unknown setting; did you mean ${full(suggestion)}?`
                    : `unknown setting; valid settings here: ${valid.join(", ")}`,
            };
        }
        case "type": {
            const wanted = (e.params as { type: string }).type;
            const got = e.data;
            if (wanted === "boolean" && (got === "true" || got === "false" || got === "yes" || got === "no")) {
                return { path: at(), reason: `must be true or false, not the string ${JSON.stringify(got)}: write it without quotes` };
            }
            const shown = Array.isArray(got) ? "a list" : got !== null && typeof got === "object" ? "a map" : JSON.stringify(got);
            return { path: at(), reason: `must be ${TYPE_NAMES[wanted] ?? wanted}, not ${shown}` };
        }
        case "enum": {
            const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ");
            return { path: at(), reason: `${JSON.stringify(e.data)} is not one of ${allowed}` };
        }
        case "required":
            return { path: at((e.params as { missingProperty: string }).missingProperty), reason: "required" };
        default:
            return { path: at(), reason: e.message ?? e.keyword };
    }
}

/** A value the program computes (an Output or a promise): a string the cloud checks, not this validator. */
export const isComputed = (value: unknown): boolean => pulumi.Output.isInstance(value) || value instanceof Promise;

/** The spec with computed values in place of the strings they become, for the shape check only. */
function withComputedAsStrings(value: unknown): unknown {
    if (isComputed(value)) return "<computed>";
    if (Array.isArray(value)) return value.map(withComputedAsStrings);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withComputedAsStrings(v)]));
    return value;
}

/**
 * Every shape problem of a spec at once. `keyPrefix` is how a caller names top-level keys in suggestions
 * (`cloister:` for stack config); paths themselves stay relative to the spec.
 */
export function checkShape(spec: unknown, keyPrefix = ""): ShapeProblem[] {
    if (validateShape(withComputedAsStrings(spec))) return [];
    const seen = new Set<string>();
    return (validateShape.errors ?? [])
        .map((e) => describe(e, keyPrefix))
        .filter((p) => {
            const key = `${p.path}\u0000${p.reason}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        });
}

interface SchemaNode {
    type?: string;
    $ref?: string;
    description?: string;
    enum?: string[];
    properties?: Record<string, SchemaNode>;
    items?: SchemaNode;
}

/** One top-level setting of a spec: a scalar (string or enum) or a structured value (map or list). */
export interface SpecKey {
    name: string;
    kind: "scalar" | "map" | "list";
    required: boolean;
    description: string;
    /** Keys of a map, or of a list's items; values of an enum. */
    keys: string[];
    values: string[];
}

/** The top-level settings a spec may have, in declaration order, from a schema (default: the committed one). */
export function specSettings(source: object = schema): SpecKey[] {
    const definitions = (source as { definitions: Record<string, SchemaNode> }).definitions;
    const resolve = (node: SchemaNode): SchemaNode => (node.$ref ? definitions[node.$ref.replace("#/definitions/", "")] : node);
    return Object.entries(definitions.PlatformSpec.properties ?? {}).map(([name, node]) => {
        const target = resolve(node.type === "array" ? node.items ?? {} : node);
        const kind = node.type === "array" ? "list" : target.type === "object" ? "map" : "scalar";
        return {
            name,
            kind,
            required: ((definitions.PlatformSpec as { required?: string[] }).required ?? []).includes(name),
            description: node.description ?? resolve(node).description ?? "",
            keys: Object.keys(target.properties ?? {}),
            values: target.enum ?? [],
        };
    });
}
export const SPEC_SETTINGS = specSettings();
export const SPEC_KEYS: string[] = SPEC_SETTINGS.map((s) => s.name);
