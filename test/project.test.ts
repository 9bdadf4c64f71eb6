// Pulumi.yaml's config block is generated from the spec's schema (npm run schema): every setting the
// spec has is declared, typed and described, and nothing else; a change to the types without it fails here.
import * as fs from "fs";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { SPEC_KEYS } from "../components/spec/schema";
import { generateReadme, generateSchema, PROJECT_FILE, projectConfig, README_FILE } from "../scripts/schema";

describe("Pulumi.yaml config", () => {
    const project = yaml.load(fs.readFileSync(PROJECT_FILE, "utf8")) as { config: Record<string, any> };

    it("is the block generated from the schema (run npm run schema after changing the spec types)", () => {
        expect(project.config).toEqual(projectConfig());
    });

    it("declares every spec setting with the shape the stack program reads, and requires only target and name", () => {
        for (const key of SPEC_KEYS) expect(project.config[key], key).toBeDefined();
        expect(project.config.templates).toMatchObject({ type: "array", default: [] });
        expect(project.config.network).toMatchObject({ type: "object", default: {} });
        expect(project.config.target.default).toBeUndefined();
        expect(project.config.name.default).toBeUndefined();
        expect(project.config.target.description).toMatch(/One of: aws, gcp, azure, kubernetes/);
    });
});

describe("README's config reference", () => {
    it("is the table generated from the schema, every key with its type, default and meaning (npm run schema)", () => {
        const readme = fs.readFileSync(README_FILE, "utf8");
        expect(readme).toBe(generateReadme(generateSchema()));
        for (const key of ["templates[].warmPoolSize", "controlPlane.routerAuth", "gcp.enableApis", "kubeconfig"]) {
            expect(readme).toContain(`| \`${key}\` |`);
        }
    }, 60_000);
});
