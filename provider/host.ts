// Serves the `cloister` provider to the Pulumi engine (started through PulumiPlugin.yaml and index.js).
import * as pulumi from "@pulumi/pulumi";
import { CloisterProvider } from "./provider";

pulumi.provider.main(new CloisterProvider(), process.argv.slice(2));
