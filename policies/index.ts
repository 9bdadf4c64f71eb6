// The `cloister` policy pack. This file only assembles it: constructing a PolicyPack starts the
// analyzer's gRPC server, so tests import the rules from ./rules instead.
//   pulumi preview --policy-pack policies [--policy-pack-config policies/config.example.json]
import { PolicyPack } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT } from "./rules/common";
import { allPolicies } from "./rules";

new PolicyPack("cloister", {
    displayName: "Cloister guard rails",
    description: "Guard rails every Cloister sandbox platform is checked against: sandbox isolation, namespace and controller hardening, cloud cluster and bucket hardening, data protection.",
    enforcementLevel: DEFAULT_ENFORCEMENT,
    tags: ["cloister", "kubernetes", "gcp", "aws", "azure"],
    policies: allPolicies,
});
