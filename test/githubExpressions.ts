// Evaluates the GitHub Actions expressions the example workflows use (`${{ … }}` and `if:`), so tests can ask
// what a workflow does for a given event, command and stack. Supports property paths, string/number/boolean
// literals, ==, !=, !, &&, || (GitHub's value semantics) and always(); anything else throws, so an expression
// this cannot read fails the test instead of evaluating wrongly.

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

export function evaluate(source: string, context: Context): unknown {
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
        if (t === "always") { take("("); take(")"); return true; }
        if (peek() === "(") throw new Error(`unsupported function ${t}() in: ${source}`);
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

/** An `if:` condition (with or without `${{ }}`); no condition means the step or job runs. */
export function condition(value: unknown, context: Context): boolean {
    if (value === undefined) return true;
    const text = String(value).trim();
    const inner = /^\$\{\{(.*)\}\}$/.exec(text);
    return truthy(evaluate(inner ? inner[1] : text, context));
}
