// The `cloister` plugin's entry point (PulumiPlugin.yaml). The engine starts it through the Node SDK's
// run-plugin, which registers ts-node with type checking and the consuming program's tsconfig (the plugin
// runs in that program's directory): that costs a type check of every component at each start and is not
// this repository's configuration. So that registration is switched off and this repository's tsconfig is
// registered instead, transpile only (strict type checking is CI's job).
const tsNode = require("ts-node");
process[tsNode.REGISTER_INSTANCE]?.enabled(false);
tsNode.register({ project: require("path").join(__dirname, "..", "tsconfig.json"), transpileOnly: true });
require("./host");
