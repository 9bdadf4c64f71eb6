// Every rule of the `cloister` pack, in the order the pack lists them. Pure: importing this starts
// nothing (tests run these rules directly; only ../index.ts builds the PolicyPack).
import { awsPolicies } from "./aws";
import { azurePolicies } from "./azure";
import { CloisterPolicy } from "./common";
import { dataPolicies } from "./data";
import { gcpPolicies } from "./gcp";
import { kubernetesPolicies } from "./kubernetes";

export const allPolicies: CloisterPolicy[] = [
    ...kubernetesPolicies,
    ...gcpPolicies,
    ...awsPolicies,
    ...azurePolicies,
    ...dataPolicies,
];
