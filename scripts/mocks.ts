// Pulumi mocks shared by the offline plan and the unit tests. A mocked resource's state is its inputs
// plus, for values only the cloud knows, clearly marked `<known after deploy: …>` values.
import * as pulumi from "@pulumi/pulumi";

/** Marks a value the cloud assigns at deploy time. */
export const knownAfterDeploy = (what: string) => `<known after deploy: ${what}>`;

/** Outputs the program reads that a cloud computes, by resource type. */
const COMPUTED_OUTPUTS: Record<string, (name: string, inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "gcp:container/cluster:Cluster": (name) => ({
        endpoint: knownAfterDeploy(`${name} endpoint`),
        masterAuth: { clusterCaCertificate: knownAfterDeploy(`${name} CA certificate`) },
    }),
    "gcp:storage/bucket:Bucket": (name, inputs) => ({ url: `gs://${inputs.name ?? name}` }),
    "gcp:compute/network:Network": (name, inputs) => ({
        selfLink: `https://www.googleapis.com/compute/v1/projects/${inputs.project ?? knownAfterDeploy("project")}/global/networks/${inputs.name ?? name}`,
    }),
    "gcp:compute/subnetwork:Subnetwork": (name, inputs) => ({
        selfLink: `https://www.googleapis.com/compute/v1/projects/${inputs.project ?? knownAfterDeploy("project")}/regions/${inputs.region}/subnetworks/${inputs.name ?? name}`,
    }),
    "aws:eks/cluster:Cluster": (name, inputs) => ({
        endpoint: knownAfterDeploy(`${name} endpoint`),
        certificateAuthority: { data: knownAfterDeploy(`${name} CA certificate`) },
        arn: `arn:aws:eks:${knownAfterDeploy("region")}:${knownAfterDeploy("account")}:cluster/${inputs.name ?? name}`,
    }),
    "aws:s3/bucket:Bucket": (name, inputs) => ({ bucket: `${inputs.bucketPrefix ?? name}${knownAfterDeploy("suffix")}`, arn: `arn:aws:s3:::${inputs.bucketPrefix ?? name}${knownAfterDeploy("suffix")}` }),
    "aws:kms/key:Key": (name) => ({ arn: `arn:aws:kms:${knownAfterDeploy("region")}:${knownAfterDeploy("account")}:key/${knownAfterDeploy(name)}` }),
    "aws:iam/role:Role": (name) => ({ arn: `arn:aws:iam::${knownAfterDeploy("account")}:role/${name}`, name }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "aws:eks/nodeGroup:NodeGroup": (name, inputs) => ({ nodeGroupName: `${inputs.nodeGroupNamePrefix ?? name}${knownAfterDeploy("suffix")}` }),
    "azure-native:containerservice:ManagedCluster": (name) => ({ oidcIssuerProfile: { issuerURL: knownAfterDeploy(`${name} OIDC issuer`) } }),
    "azure-native:managedidentity:UserAssignedIdentity": (name) => ({ principalId: knownAfterDeploy(`${name} principal`), clientId: knownAfterDeploy(`${name} client`) }),
    "azure-native:keyvault:Key": (name) => ({ keyUriWithVersion: `https://${knownAfterDeploy("vault")}.vault.azure.net/keys/${name}/${knownAfterDeploy("version")}` }),
    "gcp:serviceaccount/account:Account": (name, inputs) => ({
        email: `${inputs.accountId ?? name}@${inputs.project ?? knownAfterDeploy("project")}.iam.gserviceaccount.com`,
    }),
};

/** The input that names an azure-native resource; without it the provider auto-names it. */
const AZURE_NAME_INPUTS: Record<string, string> = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:containerservice:ManagedCluster": "resourceName",
    "azure-native:containerservice:AgentPool": "agentPoolName",
    "azure-native:network:VirtualNetwork": "virtualNetworkName",
    "azure-native:network:Subnet": "subnetName",
    "azure-native:network:NatGateway": "natGatewayName",
    "azure-native:network:PublicIPAddress": "publicIpAddressName",
    "azure-native:network:NetworkSecurityGroup": "networkSecurityGroupName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:keyvault:Key": "keyName",
    "azure-native:managedidentity:UserAssignedIdentity": "resourceName",
};

/** Invoke results the program reads, by function token. */
const INVOKE_RESULTS: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "gcp:organizations/getProject:getProject": (inputs) => ({
        projectId: inputs.projectId ?? knownAfterDeploy("project ID"),
        number: knownAfterDeploy("project number"),
    }),
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": () => ({
        emailAddress: knownAfterDeploy("Cloud Storage service agent"),
    }),
    "gcp:projects/getProjectService:getProjectService": (inputs) => inputs,
    "azure-native:authorization:getClientConfig": () => ({ subscriptionId: knownAfterDeploy("subscription"), tenantId: knownAfterDeploy("tenant"), objectId: knownAfterDeploy("deployer"), clientId: knownAfterDeploy("client") }),
    "azure-native:containerservice:listManagedClusterUserCredentials": () => ({ kubeconfigs: [{ name: "clusterUser", value: Buffer.from("apiVersion: v1\nkind: Config\n").toString("base64") }] }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: knownAfterDeploy("account"), arn: knownAfterDeploy("caller"), userId: knownAfterDeploy("caller") }),
    "aws:eks/getAddonVersion:getAddonVersion": (inputs) => ({ ...inputs, version: knownAfterDeploy(`${inputs.addonName} default version for ${inputs.kubernetesVersion}`) }),
};

export const cloudMocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs) {
        const computed = COMPUTED_OUTPUTS[args.type]?.(args.name, args.inputs) ?? {};
        const inputsName = (args.inputs as { metadata?: { name?: string } }).metadata?.name;
        const state: Record<string, unknown> = { ...args.inputs, ...computed };
        if (args.type.startsWith("azure-native:")) state.name = args.inputs[AZURE_NAME_INPUTS[args.type]] ?? `${args.name}${knownAfterDeploy("suffix")}`;
        // Kubernetes objects without a fixed name get the provider's auto-name.
        if (args.type.startsWith("kubernetes:") && args.inputs.metadata && !inputsName) {
            state.metadata = { ...(args.inputs.metadata as object), name: `${args.name}-${knownAfterDeploy("suffix")}` };
        }
        return { id: args.id || `${args.name}-id`, state };
    },
    call(args: pulumi.runtime.MockCallArgs) {
        const result = INVOKE_RESULTS[args.token];
        if (!result) throw new Error(`Mock not implemented: ${args.token}`);
        return result(args.inputs);
    },
};

export interface PlannedResource {
    type: string;
    name: string;
    parent: string | null;
    dependsOn: string[];
    inputs: Record<string, unknown>;
    options: { protect: boolean; retainOnDelete: boolean };
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270";
const SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Turns wire values into plan values: secrets masked, unknowns and references made readable. */
function planValue(value: unknown, names: Map<string, string>): unknown {
    if (value === UNKNOWN) return knownAfterDeploy("computed");
    if (Array.isArray(value)) return value.map((v) => planValue(v, names));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SIG_SECRET) return "[secret]";
        if (obj[SIG_KEY] === SIG_RESOURCE) return names.get(String(obj.urn)) ?? obj.urn;
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, planValue(v, names)]));
    }
    return value;
}

/**
 * Installs the mocks and records every registration with what the mock layer does not pass to
 * `newResource`: parent, dependencies and the protect/retainOnDelete options.
 */
export class PlanRecorder {
    private readonly registrations: { urn: string; req: any }[] = [];

    static async install(project: string, stack: string): Promise<PlanRecorder> {
        await pulumi.runtime.setMocks(cloudMocks, project, stack, false);
        const recorder = new PlanRecorder();
        // The mock monitor is the SDK's own; wrapping one method keeps its behaviour.
        const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: unknown) => {
            recorder.registrations.push({ urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()), req });
            return register(req, callback);
        };
        return recorder;
    }

    /** Every resource registered so far, parents and dependencies named `type::name`. */
    resources(): PlannedResource[] {
        const names = new Map(this.registrations.map(({ urn, req }) => [urn, `${req.getType()}::${req.getName()}`]));
        const nameOf = (urn: string) => names.get(urn) ?? urn;
        return this.registrations.map(({ req }) => ({
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() ? nameOf(req.getParent()) : null,
            dependsOn: [...new Set<string>(req.getDependenciesList().map(nameOf))],
            inputs: planValue(req.getObject()?.toJavaScript() ?? {}, names) as Record<string, unknown>,
            options: { protect: req.getProtect() ?? false, retainOnDelete: req.getRetainondelete() ?? false },
        }));
    }
}
