// A minimal reader of the local API server (no kubectl here): GET with the kubeconfig's token.
import * as fs from "fs";
import * as https from "https";
import * as yaml from "js-yaml";

export interface KubeAccess {
    server: string;
    token: string;
}

export function kubeAccess(kubeconfigPath: string): KubeAccess {
    const config = yaml.load(fs.readFileSync(kubeconfigPath, "utf8")) as any;
    return { server: config.clusters[0].cluster.server, token: config.users[0].user.token };
}

/** GET a path; undefined for 404. The server's certificate is self-signed and on loopback. */
export function kubeGet(access: KubeAccess, path: string): Promise<any | undefined> {
    return new Promise((resolve, reject) => {
        const req = https.request(
            `${access.server}${path}`,
            { headers: { Authorization: `Bearer ${access.token}` }, rejectUnauthorized: false, agent: false },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => {
                    if (res.statusCode === 404) return resolve(undefined);
                    if (res.statusCode !== 200) return reject(new Error(`GET ${path}: ${res.statusCode} ${body}`));
                    resolve(JSON.parse(body));
                });
            },
        );
        req.on("error", reject);
        req.end();
    });
}
