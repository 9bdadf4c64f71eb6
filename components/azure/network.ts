// The VNet the cluster lives in: one node subnet behind a NAT gateway (the nodes' only way out) and a
// network security group. With `azure.existingSubnetId` set, nothing is created and the subnet is used.
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";

export const platformTags = (spec: Pick<ResolvedSpec, "name">) => ({ "cloister-platform": spec.name });

export interface AksNetwork {
    subnetId: pulumi.Input<string>;
    /** Created resources; empty when an existing subnet is used. */
    resources: pulumi.Resource[];
}

export function createNetwork(name: string, spec: ResolvedSpec, resourceGroupName: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): AksNetwork {
    if (spec.azure.existingSubnetId) return { subnetId: spec.azure.existingSubnetId, resources: [] };
    const common = { resourceGroupName, location: spec.region, tags: platformTags(spec) };
    const ip = new network.PublicIPAddress(`${name}-nat-ip`, { ...common, sku: { name: "Standard" }, publicIPAllocationMethod: "Static" }, opts);
    const nat = new network.NatGateway(`${name}-nat`, { ...common, sku: { name: "Standard" }, publicIpAddresses: [{ id: ip.id }], idleTimeoutInMinutes: 10 }, opts);
    // AKS adds the rules it needs; the group makes the subnet's inbound default-deny explicit and auditable.
    const nsg = new network.NetworkSecurityGroup(`${name}-nodes`, { ...common }, opts);
    const vnet = new network.VirtualNetwork(`${name}-vnet`, { ...common, addressSpace: { addressPrefixes: [spec.network.vpcCidr] } }, { ...opts, ignoreChanges: ["subnets"] });
    const subnet = new network.Subnet(
        `${name}-nodes`,
        {
            resourceGroupName,
            virtualNetworkName: vnet.name,
            addressPrefix: spec.network.vpcCidr,
            natGateway: { id: nat.id },
            networkSecurityGroup: { id: nsg.id },
            // No implicit outbound: egress goes through the NAT gateway only.
            defaultOutboundAccess: false,
        },
        opts,
    );
    return { subnetId: subnet.id, resources: [ip, nat, nsg, vnet, subnet] };
}
