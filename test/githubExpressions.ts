// Evaluates the GitHub Actions expressions the example workflows use (`${{ … }}` and `if:`), so tests can ask
// what a workflow does for a given event, command and stack. Supports property paths, string/number/boolean
// literals, ==, !=, !, &&, || (GitHub's value semantics) and, in conditions, the status functions; anything else
// throws, so an expression this cannot read fails the test instead of evaluating wrongly.

export type Context = Record<string, unknown>;

const TOKEN = /\s+|'(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|\.|[A-Za-z_][\w-]*|\d+(?:\.\d+)?/y;

function tokenize(source: string): string[] {
    const tokens: string[] = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < source.length) {
        const at = TOKEN.lastIndex;
        const m = TOKEN.exec(source);
        if (!m) throw new Error(`unsupported expression syntax at ${at}: ${source}`);
        if (m[0].trim()) tokens.push(m[0]);
    }
    return tokens;
}

const truthy = (v: unknown) => !(v === null || v === undefined || v === false || v === 0 || v === "");

/** GitHub compares strings case-insensitively, and null equals only null. */
function equal(a: unknown, b: unknown): boolean {
    if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
    return (a ?? null) === (b ?? null);
}

export function evaluate(source: string, context: Context, functions: Record<string, () => unknown> = {}): unknown {
    const tokens = tokenize(source);
    let i = 0;
    const peek = () => tokens[i];
    const take = (want?: string) => {
        const t = tokens[i++];
        if (t === undefined || (want !== undefined && t !== want)) throw new Error(`expected ${want ?? "a token"} in: ${source}`);
        return t;
    };
    const or = (): unknown => {
        let v = and();
        while (peek() === "||") { take(); const r = and(); v = truthy(v) ? v : r; }
        return v;
    };
    const and = (): unknown => {
        let v = comparison();
        while (peek() === "&&") { take(); const r = comparison(); v = truthy(v) ? r : v; }
        return v;
    };
    const comparison = (): unknown => {
        const left = unary();
        if (peek() !== "==" && peek() !== "!=") return left;
        const op = take();
        const same = equal(left, unary());
        return op === "==" ? same : !same;
    };
    const unary = (): unknown => (peek() === "!" ? (take(), !truthy(unary())) : primary());
    const primary = (): unknown => {
        const t = take();
        if (t === "(") { const v = or(); take(")"); return v; }
        if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
        if (/^\d/.test(t)) return Number(t);
        if (t === "true" || t === "false") return t === "true";
        if (t === "null") return null;
        if (peek() === "(") {
            if (!(t in functions)) throw new Error(`unsupported function ${t}() in: ${source}`);
            take("("); take(")");
            return functions[t]();
        }
        let v: unknown = context[t];
        while (peek() === ".") {
            take();
            const key = take();
            v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
        }
        return v ?? null;
    };
    const value = or();
    if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in: ${source}`);
    return value;
}

const TEMPLATE = /\$\{\{(.*?)\}\}/g;

/** A workflow value: one `${{ }}` alone keeps its type; text around or between them makes a string. */
export function expand(value: unknown, context: Context): unknown {
    if (typeof value !== "string") return value;
    const alone = /^\$\{\{(.*?)\}\}$/.exec(value.trim());
    if (alone) return evaluate(alone[1], context);
    return value.replace(TEMPLATE, (_, e: string) => String(evaluate(e, context) ?? ""));
}

/**
 * An `if:` condition (with or without `${{ }}`) of a step, given the job's status so far. As on GitHub, a
 * condition without a status function means `success() && (…)`, and no condition means `success()`.
 */
export function condition(value: unknown, context: Context, status: "success" | "failure" = "success"): boolean {
    const text = value === undefined ? "success()" : String(value).trim();
    const inner = /^\$\{\{(.*)\}\}$/.exec(text)?.[1] ?? text;
    const checked = /\b(always|success|failure|cancelled)\s*\(/.test(inner) ? inner : `success() && (${inner})`;
    return truthy(evaluate(checked, context, { always: () => true, success: () => status === "success", failure: () => status === "failure", cancelled: () => false }));
}
