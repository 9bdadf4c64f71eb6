// The JSON Schema of `PlatformSpec`, generated from components/spec/types.ts (keys, types, enums,
// required fields, descriptions; unknown keys refused at every level). The committed copy is what the
// validator loads; a test fails when the types change without it.
//   npm run schema            rewrite components/spec/platform-spec.schema.json
import * as fs from "fs";
import * as path from "path";
import { createGenerator } from "ts-json-schema-generator";

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

if (require.main === module) {
    fs.writeFileSync(SCHEMA_FILE, generateSchema());
    console.log(`wrote ${path.relative(ROOT, SCHEMA_FILE)}`);
}
