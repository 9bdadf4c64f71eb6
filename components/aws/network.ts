// The VPC the cluster lives in: private subnets for nodes (never a public IP) in two or more zones,
// public subnets only for the NAT gateways, and VPC endpoints that keep node traffic to S3, ECR, STS
// and EKS off the NAT. With `aws.existing*` set, nothing is created and the IDs are used.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedSpec } from "../spec/defaults";

/** Interface endpoints nodes use at boot and for image pulls and Pod Identity credentials. */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "sts", "eks", "eks-auth", "ec2", "logs"];

export interface EksNetwork {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    /** Created resources; empty when an existing VPC is used. */
    resources: pulumi.Resource[];
}

/** `10.0.0.0/16` split into /20s: private subnets first, then the small public (NAT) ones. */
export function subnetCidrs(vpcCidr: string, zones: number): { privateCidrs: string[]; publicCidrs: string[] } {
    const [base, prefix] = vpcCidr.split("/");
    const start = base.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = (bits: number) => 2 ** (32 - bits);
    const toCidr = (address: number, bits: number) =>
        `${[24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".")}/${bits}`;
    const privateBits = Number(prefix) + 4;
    const publicBits = Math.min(Number(prefix) + 8, 28);
    const privateCidrs = Array.from({ length: zones }, (_, i) => toCidr(start + i * size(privateBits), privateBits));
    // Public subnets sit in the last /20 of the VPC.
    const publicStart = start + 15 * size(privateBits);
    const publicCidrs = Array.from({ length: zones }, (_, i) => toCidr(publicStart + i * size(publicBits), publicBits));
    return { privateCidrs, publicCidrs };
}

export function createNetwork(name: string, spec: ResolvedSpec, opts: pulumi.CustomResourceOptions): EksNetwork {
    const a = spec.aws;
    if (a.existingVpcId && a.existingPrivateSubnetIds) {
        return { vpcId: a.existingVpcId, privateSubnetIds: a.existingPrivateSubnetIds, resources: [] };
    }
    const tags = (role: string) => ({ "cloister.dev/platform": spec.name, Name: `${spec.name}-${role}` });
    const zones = a.availabilityZones;
    const { privateCidrs, publicCidrs } = subnetCidrs(spec.network.vpcCidr, zones.length);
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: spec.network.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, opts);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tags("public") }, opts);
    const publicSubnets = zones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(
            `${name}-public-${zone}`,
            // Only NAT gateways live here; nothing launched here gets a public address by default.
            { vpcId: vpc.id, availabilityZone: zone, cidrBlock: publicCidrs[i], mapPublicIpOnLaunch: false, tags: { ...tags(`public-${zone}`), "kubernetes.io/role/elb": "1" } },
            opts,
        );
        new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
        return subnet;
    });
    const natZones = a.natGatewayPerAz ? zones : zones.slice(0, 1);
    const nats = natZones.map((zone, i) => {
        const eip = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags: tags(`nat-${zone}`) }, opts);
        return new aws.ec2.NatGateway(`${name}-nat-${zone}`, { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: tags(`nat-${zone}`) }, { ...opts, dependsOn: [igw] });
    });
    const privateTables: aws.ec2.RouteTable[] = [];
    const privateSubnets = zones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(
            `${name}-private-${zone}`,
            { vpcId: vpc.id, availabilityZone: zone, cidrBlock: privateCidrs[i], mapPublicIpOnLaunch: false, tags: { ...tags(`private-${zone}`), "kubernetes.io/role/internal-elb": "1" } },
            opts,
        );
        const nat = nats[a.natGatewayPerAz ? i : 0];
        const table = new aws.ec2.RouteTable(`${name}-private-${zone}`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: tags(`private-${zone}`) }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: subnet.id, routeTableId: table.id }, opts);
        privateTables.push(table);
        return subnet;
    });
    const s3 = new aws.ec2.VpcEndpoint(
        `${name}-endpoint-s3`,
        { vpcId: vpc.id, serviceName: `com.amazonaws.${spec.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: privateTables.map((t) => t.id), tags: tags("s3") },
        opts,
    );
    const endpointSg = new aws.ec2.SecurityGroup(
        `${name}-endpoints`,
        {
            vpcId: vpc.id,
            description: "HTTPS from the VPC to its interface endpoints",
            ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [spec.network.vpcCidr], description: "VPC" }],
            tags: tags("endpoints"),
        },
        opts,
    );
    const endpoints = INTERFACE_ENDPOINTS.map(
        (service) =>
            new aws.ec2.VpcEndpoint(
                `${name}-endpoint-${service.replace(/\./g, "-")}`,
                {
                    vpcId: vpc.id,
                    serviceName: `com.amazonaws.${spec.region}.${service}`,
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    subnetIds: privateSubnets.map((s) => s.id),
                    securityGroupIds: [endpointSg.id],
                    tags: tags(service),
                },
                opts,
            ),
    );
    return {
        vpcId: vpc.id,
        privateSubnetIds: privateSubnets.map((s) => s.id),
        resources: [vpc, ...privateSubnets, ...privateTables, ...nats, s3, ...endpoints],
    };
}
