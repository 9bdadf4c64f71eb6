// The VPC the cluster lives in: a custom-mode network, one regional subnet with secondary ranges for pods
// and Services, and Cloud Router + Cloud NAT so private nodes reach the internet (image pulls, kata-deploy,
// sandboxes with egress "internet"). With `gcp.existing*` set, nothing is created and the names are used.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";

export const POD_RANGE_NAME = "pods";
export const SERVICE_RANGE_NAME = "services";

export interface GkeNetwork {
    /** Network self link or name, as the cluster takes it. */
    network: pulumi.Input<string>;
    subnetwork: pulumi.Input<string>;
    podRangeName: string;
    serviceRangeName: string;
    /** Created resources; empty when an existing VPC is used. */
    resources: pulumi.Resource[];
}

export function createNetwork(
    name: string,
    spec: ResolvedSpec,
    project: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): GkeNetwork {
    const g = spec.gcp;
    if (g.existingNetwork && g.existingSubnetwork && g.existingPodRangeName && g.existingServiceRangeName) {
        return {
            network: g.existingNetwork,
            subnetwork: g.existingSubnetwork,
            podRangeName: g.existingPodRangeName,
            serviceRangeName: g.existingServiceRangeName,
            resources: [],
        };
    }
    const region = spec.region!;
    const vpc = new gcp.compute.Network(
        `${name}-vpc`,
        {
            project,
            name: `${spec.name}-vpc`,
            description: `Cloister platform ${spec.name}`,
            autoCreateSubnetworks: false,
            routingMode: "REGIONAL",
        },
        opts,
    );
    const subnet = new gcp.compute.Subnetwork(
        `${name}-subnet`,
        {
            project,
            region,
            name: `${spec.name}-nodes`,
            network: vpc.selfLink,
            ipCidrRange: spec.network.vpcCidr,
            secondaryIpRanges: [
                { rangeName: POD_RANGE_NAME, ipCidrRange: spec.network.podCidr },
                { rangeName: SERVICE_RANGE_NAME, ipCidrRange: spec.network.serviceCidr },
            ],
            // Nodes without external IPs still reach Google APIs (Artifact Registry, GCS, logging).
            privateIpGoogleAccess: true,
            logConfig: spec.gcp.subnetFlowLogs
                ? { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" }
                : undefined,
            stackType: "IPV4_ONLY",
        },
        opts,
    );
    const router = new gcp.compute.Router(
        `${name}-router`,
        { project, region, name: `${spec.name}-router`, network: vpc.selfLink },
        opts,
    );
    const nat = new gcp.compute.RouterNat(
        `${name}-nat`,
        {
            project,
            region,
            name: `${spec.name}-nat`,
            router: router.name,
            natIpAllocateOption: "AUTO_ONLY",
            sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
            subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
            // Sandboxes open many connections from few nodes: ports grow per VM as they are used, from 64
            // up to 16384, instead of a fixed 64 per VM that a busy node exhausts.
            enableDynamicPortAllocation: true,
            enableEndpointIndependentMapping: false,
            minPortsPerVm: 64,
            maxPortsPerVm: 16384,
            logConfig: { enable: true, filter: "ERRORS_ONLY" },
        },
        opts,
    );
    return {
        network: vpc.selfLink,
        subnetwork: subnet.selfLink,
        podRangeName: POD_RANGE_NAME,
        serviceRangeName: SERVICE_RANGE_NAME,
        resources: [vpc, subnet, router, nat],
    };
}
