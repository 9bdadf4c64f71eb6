// The `cloister` plugin's entry point (PulumiPlugin.yaml). The engine starts it from the consuming program's
// directory, so TypeScript is registered here with this repository's tsconfig: transpiled only, as strict
// type checking is CI's job, not every plugin start's.
require("ts-node").register({ project: require("path").join(__dirname, "..", "tsconfig.json"), transpileOnly: true });
require("./host");
