// A small Kubernetes client for the e2e suite and the demo: requests and watches with the kubeconfig's token, verifying
// the node's own CA.
import * as fs from "fs";
import * as https from "https";
import * as yaml from "js-yaml";

export interface KubeAccess {
    server: string;
    token: string;
    ca: Buffer;
}

export function kubeAccess(kubeconfigPath: string): KubeAccess {
    const config = yaml.load(fs.readFileSync(kubeconfigPath, "utf8")) as any;
    const cluster = config.clusters[0].cluster;
    return {
        server: cluster.server,
        token: config.users[0].user.token,
        ca: Buffer.from(cluster["certificate-authority-data"], "base64"),
    };
}

export interface KubeResponse {
    status: number;
    body: any;
}

/** One request; the body is parsed JSON when the server sent JSON. */
export function kubeRequest(access: KubeAccess, method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = https.request(
            `${access.server}${path}`,
            {
                method,
                ca: access.ca,
                agent: false,
                headers: {
                    Authorization: `Bearer ${access.token}`,
                    Accept: "application/json",
                    ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}),
                },
            },
            (res) => {
                let text = "";
                res.on("data", (c) => (text += c));
                res.on("end", () => {
                    let parsed: any = text;
                    try {
                        parsed = JSON.parse(text);
                    } catch {
                        // not JSON: keep the text
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed });
                });
            },
        );
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/** GET a path; undefined for 404. */
export async function kubeGet(access: KubeAccess, path: string): Promise<any | undefined> {
    const res = await kubeRequest(access, "GET", path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
}

export interface WatchEvent {
    type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
    object: any;
}

/**
 * Opens a watch on a collection and resolves with the first object `done` accepts, with the time (ms,
 * from `performance.now()`) its event arrived. Rejects after `timeoutMs`.
 */
export function watchUntil(
    access: KubeAccess,
    collectionPath: string,
    done: (e: WatchEvent) => boolean,
    timeoutMs: number,
    onOpen?: () => void,
): Promise<{ object: any; at: number }> {
    return new Promise((resolve, reject) => {
        const sep = collectionPath.includes("?") ? "&" : "?";
        let buffer = "";
        let settled = false;
        const req = https.request(
            `${access.server}${collectionPath}${sep}watch=1&allowWatchBookmarks=false&timeoutSeconds=${Math.ceil(timeoutMs / 1000) + 5}`,
            { ca: access.ca, agent: false, headers: { Authorization: `Bearer ${access.token}` } },
            (res) => {
                if (res.statusCode !== 200) {
                    settled = true;
                    reject(new Error(`watch ${collectionPath}: ${res.statusCode}`));
                    return;
                }
                onOpen?.();
                res.on("data", (chunk) => {
                    const at = performance.now();
                    buffer += chunk;
                    let nl: number;
                    while ((nl = buffer.indexOf("\n")) >= 0) {
                        const line = buffer.slice(0, nl);
                        buffer = buffer.slice(nl + 1);
                        if (!line.trim() || settled) continue;
                        const event = JSON.parse(line) as WatchEvent;
                        if (done(event)) {
                            settled = true;
                            clearTimeout(timer);
                            req.destroy();
                            resolve({ object: event.object, at });
                        }
                    }
                });
            },
        );
        const timer = setTimeout(() => {
            if (settled) return;
            settled = true;
            req.destroy();
            reject(new Error(`watch ${collectionPath}: nothing matched within ${timeoutMs} ms`));
        }, timeoutMs);
        req.on("error", (e) => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                reject(e);
            }
        });
        req.end();
    });
}

export const isReady = (o: any) => (o?.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");

/** Polls `check` once a second until it returns a value other than undefined/false. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, seconds = 120): Promise<T> {
    let last: unknown;
    for (let i = 0; i < seconds; i++) {
        try {
            const value = await check();
            if (value !== undefined && value !== false) return value as T;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`${what}: not reached within ${seconds} s${last ? ` (last error: ${last})` : ""}`);
}
