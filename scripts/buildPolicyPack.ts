// After `tsc -p components/tsconfig.json`: makes dist/policies a policy pack Pulumi can run from the
// installed package (`pulumi preview --policy-pack node_modules/cloister/dist/policies`). Its compiled
// rules need no TypeScript at run time; @pulumi/policy and @pulumi/pulumi come from the customer's
// node_modules (peer dependencies of cloister).
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const source = path.join(ROOT, "policies");
const target = path.join(ROOT, "dist", "policies");
const pack = JSON.parse(fs.readFileSync(path.join(source, "package.json"), "utf8"));

fs.copyFileSync(path.join(source, "PulumiPolicy.yaml"), path.join(target, "PulumiPolicy.yaml"));
fs.writeFileSync(
    path.join(target, "package.json"),
    JSON.stringify({ name: pack.name, version: pack.version, description: pack.description, license: pack.license, private: true, main: "index.js" }, null, 2) + "\n",
);
