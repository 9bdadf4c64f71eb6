// The committed JSON Schema is the one the spec types generate: a change to types.ts without
// `npm run schema` fails here, so the validator never checks a stale shape.
import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { generateSchema, SCHEMA_FILE } from "../scripts/schema";

describe("platform-spec.schema.json", () => {
    it("matches the schema generated from components/spec/types.ts (run npm run schema after changing the types)", () => {
        expect(fs.readFileSync(SCHEMA_FILE, "utf8")).toBe(generateSchema());
    }, 60_000);
});
