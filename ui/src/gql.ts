// A small GraphQL client that adapts to the schema it is served with.
//
// The API grows while the UI is used against it, so the UI never sends a field the schema lacks:
// it loads the schema description (GET /ui/schema.json, produced by the server from the same
// strawberry schema, so it works even where GraphQL introspection is switched off), and every
// query is written as a *wish list* selection that is pruned against that schema before it is
// sent. Arguments the field does not take are dropped too. Panels whose data is absent hide.

export interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
interface FullType {
  kind: string;
  name: string;
  fields: Field[] | null;
  enumValues: { name: string }[] | null;
}
interface IntrospectionResult {
  __schema: { queryType: { name: string }; types: FullType[] };
}

/** A wish-list selection: field name -> true (leaf) or a nested selection. */
export type Selection = { [field: string]: true | Selection | WithArgs };
/** A field with arguments; `select` is the nested selection (omit for leaves). */
export interface WithArgs {
  args: Record<string, unknown>;
  select?: Selection;
  alias?: string;
}

function isWithArgs(v: unknown): v is WithArgs {
  return typeof v === "object" && v !== null && "args" in v;
}

export function named(t: TypeRef): TypeRef {
  let cur = t;
  while (cur.ofType) cur = cur.ofType;
  return cur;
}

export class GraphQLError extends Error {
  constructor(message: string, public code: string | undefined) {
    super(message);
  }
}

export class Client {
  private types = new Map<string, FullType>();
  private queryType = "Query";

  /** An API key, sent as X-API-Key when the server requires keys for reads. */
  apiKey: string | null = null;

  constructor(private endpoint: string) {}

  async load(schemaUrl: string): Promise<void> {
    const res = await fetch(schemaUrl);
    if (!res.ok) throw new Error(`schema: HTTP ${res.status}`);
    const data = (await res.json()) as IntrospectionResult;
    this.queryType = data.__schema.queryType.name;
    for (const t of data.__schema.types) this.types.set(t.name, t);
  }

  /** The field `name` of type `typeName`, if the schema has it. */
  field(typeName: string, name: string): Field | undefined {
    return this.types.get(typeName)?.fields?.find((f) => f.name === name);
  }

  hasQuery(name: string): boolean {
    return this.field(this.queryType, name) !== undefined;
  }

  /** Whether `typeName.fieldName` (or a Query field when typeName is omitted) exists. */
  has(path: string): boolean {
    const parts = path.split(".");
    let typeName = this.queryType;
    for (const p of parts) {
      const f = this.field(typeName, p);
      if (!f) return false;
      typeName = named(f.type).name ?? "";
    }
    return true;
  }

  enumValues(typeName: string): string[] {
    return this.types.get(typeName)?.enumValues?.map((e) => e.name) ?? [];
  }

  /** The named type of an argument, e.g. to learn an enum's values. */
  argType(typeName: string, field: string, arg: string): string | undefined {
    const a = this.field(typeName, field)?.args.find((x) => x.name === arg);
    return a ? (named(a.type).name ?? undefined) : undefined;
  }

  private literal(v: unknown, type: TypeRef): string {
    const t = named(type);
    if (v === null || v === undefined) return "null";
    if (Array.isArray(v)) {
      return `[${v.map((x) => this.literal(x, type)).join(", ")}]`;
    }
    if (t.kind === "ENUM") return String(v);
    return JSON.stringify(v);
  }

  /** Render `sel` against `typeName`, keeping only what the schema has. */
  render(typeName: string, sel: Selection): string {
    const out: string[] = [];
    const type = this.types.get(typeName);
    if (!type?.fields) return "";
    const hasEdges = "edges" in sel && type.fields.some((x) => x.name === "edges");
    for (const [name, spec] of Object.entries(sel)) {
      const f = type.fields.find((x) => x.name === name);
      if (!f || (name === "nodes" && hasEdges)) continue;
      const inner = named(f.type);
      let head = name;
      let nested: Selection | undefined;
      if (isWithArgs(spec)) {
        const args = Object.entries(spec.args)
          .filter(([k, v]) => v !== undefined && f.args.some((a) => a.name === k))
          .map(([k, v]) => `${k}: ${this.literal(v, f.args.find((a) => a.name === k)!.type)}`);
        const required = f.args.filter((a) => a.type.kind === "NON_NULL");
        if (required.some((a) => !(a.name in spec.args))) continue;
        head = `${spec.alias ? spec.alias + ": " : ""}${name}${args.length ? `(${args.join(", ")})` : ""}`;
        nested = spec.select;
      } else if (spec !== true) {
        nested = spec;
      } else if (f.args.some((a) => a.type.kind === "NON_NULL")) {
        continue;
      }
      const composite = inner.kind === "OBJECT" || inner.kind === "INTERFACE";
      if (composite) {
        if (!nested) continue;
        const body = this.render(inner.name ?? "", nested);
        if (!body) continue;
        out.push(`${head} { ${body} }`);
      } else {
        out.push(head);
      }
    }
    return out.join(" ");
  }

  /** Run a query built from a wish list on the Query type; returns `data`. */
  async query<T = Record<string, unknown>>(sel: Selection): Promise<T> {
    const body = this.render(this.queryType, sel);
    if (!body) return {} as T;
    const res = await fetch(this.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json", accept: "application/json",
        ...(this.apiKey ? { "x-api-key": this.apiKey } : {}),
      },
      body: JSON.stringify({ query: `query { ${body} }` }),
    });
    const payload = (await res.json()) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    // A field the consent policy withholds (CONSENT_DENIED on a nullable field) leaves the rest
    // of the answer usable: that panel is simply absent.
    const errors = (payload.errors ?? []).filter((e) => !(payload.data && e.extensions?.code === "CONSENT_DENIED"));
    if (errors.length) {
      throw new GraphQLError(errors[0].message, errors[0].extensions?.code);
    }
    return (payload.data ?? {}) as T;
  }
}

/** Items of a list or of a relay connection (`edges { node }` or `nodes`). */
export function items<T = Record<string, unknown>>(value: unknown): T[] {
  if (Array.isArray(value)) return value as T[];
  if (value && typeof value === "object") {
    const v = value as { edges?: { node: T }[]; nodes?: T[] };
    if (Array.isArray(v.edges)) {
      return v.edges.map((e) => {
        // keep edge-level fields (e.g. weight) next to the node
        const { node, ...rest } = e as unknown as { node: T } & Record<string, unknown>;
        return Object.keys(rest).length ? ({ ...rest, node } as unknown as T) : node;
      });
    }
    if (Array.isArray(v.nodes)) return v.nodes;
  }
  return [];
}

/** A list-or-connection wish list: `sel` works for either shape. */
export function listSel(sel: Selection, edgeExtra: Selection = {}): Selection {
  return { ...sel, edges: { ...edgeExtra, node: sel }, nodes: sel };
}
