// The `cloister:kubeconfig` setting: a path or the document itself, always secret, empty = ambient.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { kubeconfigFromSetting, readKubeconfig, unknownStackKeys } from "../stacks/config";

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const doc = "apiVersion: v1\nkind: Config\nclusters: []\n";

beforeAll(async () => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "cloister", "test");
});

describe("readKubeconfig", () => {
    it("passes a kubeconfig document through, as a secret", async () => {
        const out = readKubeconfig(doc)!;
        expect(await unwrap(out)).toBe(doc);
        expect(await pulumi.isSecret(out)).toBe(true);
    });

    it("reads a kubeconfig file named by path", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloister-kubeconfig-"));
        const file = path.join(dir, "config");
        fs.writeFileSync(file, doc);
        expect(await unwrap(readKubeconfig(file)!)).toBe(doc);
        fs.rmSync(dir, { recursive: true });
    });

    it("names the setting when the file does not exist", () => {
        const missing = path.join(os.tmpdir(), "cloister-no-such-kubeconfig");
        expect(() => kubeconfigFromSetting(missing)).toThrow(/^no file .*cloister-no-such-kubeconfig; give a kubeconfig path/);
    });

    it("gives the provider no kubeconfig at all when the setting is empty or unset, so the ambient one is used", () => {
        // Not even a secret wrapping nothing: the provider takes that for an empty kubeconfig.
        expect(readKubeconfig("")).toBeUndefined();
        expect(readKubeconfig(undefined)).toBeUndefined();
    });
});

describe("unknownStackKeys", () => {
    it("refuses every cloister: key that is no setting, naming the nearest one", () => {
        expect(unknownStackKeys(["cloister:templtes", "cloister:kubeConfig", "cloister:name", "cloister:templates", "gcp:project"])).toEqual([
            { path: "templtes", reason: "unknown setting; did you mean cloister:templates?" },
            { path: "kubeConfig", reason: "unknown setting; did you mean cloister:kubeconfig?" },
        ]);
        expect(unknownStackKeys(["cloister:flavour"])[0].reason).toMatch(/^unknown setting; valid settings: cloister:target, cloister:name, /);
    });
});
