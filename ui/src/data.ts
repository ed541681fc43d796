// What the UI asks the GraphQL API, as wish lists (see gql.ts), and the normalised shapes it uses.
import { Client, items, listSel, Selection } from "./gql";

export interface PersonLite {
  id: string;
  label: string;
  score: number | null;
  percentile: number | null;
  confidence: number | null;
  consent: string | null;
  community: string | null;
  communityLabel: string | null;
  networks: string[];
  topics: string[];
}

export interface Neighbour {
  person: PersonLite;
  weight: number;
  kinds: string[];
  direction: string | null;
}

export interface Part {
  label: string;
  value: number;
}

export interface PersonDetail extends PersonLite {
  accounts: { network: string; id: string; handle: string | null; url: string | null }[];
  topTopics: { name: string; value: number | null }[];
  networkScores: { network: string; score: number }[];
  explanation: { score: number | null; groups: { title: string; parts: Part[] }[]; hints: string[]; topPeople: { label: string; value: number | null }[] } | null;
  history: { at: string; score: number }[] | null;
}

type Obj = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
const first = <T>(...vals: (T | null | undefined)[]): T | null => {
  for (const v of vals) if (v !== null && v !== undefined) return v;
  return null;
};

const NAME_SEL: Selection = { name: true, label: true, title: true, id: true };
const TOPIC_SEL: Selection = { name: true, label: true, id: true, score: true, weight: true, share: true, topic: NAME_SEL };
const COMMUNITY_SEL: Selection = { id: true, name: true, label: true, size: true, kind: true };

export const PERSON_LITE: Selection = {
  id: true, consent: true, score: true, percentile: true, confidence: true,
  handle: true, name: true, displayName: true,
  accounts: { network: true, id: true, handle: true, name: true, displayName: true, url: true },
  community: COMMUNITY_SEL, communityId: true,
};

function topicName(t: Obj): string | null {
  const inner = (t.topic as Obj | undefined) ?? t;
  return str(first(inner.name, inner.label, inner.title, inner.id));
}

export function toPerson(raw: Obj): PersonLite {
  const accounts = (raw.accounts as Obj[] | undefined) ?? [];
  const acc = accounts[0] ?? {};
  const commRaw = raw.community as Obj | string | number | null | undefined;
  const comm: Obj | null = typeof commRaw === "object" && commRaw !== null ? commRaw
    : commRaw === null || commRaw === undefined ? null : { id: commRaw };
  const id = String(raw.id);
  const label = str(first(raw.name, raw.displayName, raw.handle, acc.name, acc.displayName, acc.handle)) ?? id;
  return {
    id, label,
    score: num(raw.score), percentile: num(raw.percentile), confidence: num(raw.confidence),
    consent: str(raw.consent),
    community: str(first(comm?.id, raw.communityId)),
    communityLabel: str(first(comm?.name, comm?.label)),
    networks: [...new Set(accounts.map((a) => String(a.network)))],
    topics: items<Obj>(raw.topics).map(topicName).filter((x): x is string => !!x),
  };
}

function neighbourFrom(it: Obj): Neighbour | null {
  // Shapes handled: {weight, node: Person}, {weight, person: Person}, {node: {weight, person}}, Person
  const node = (it.node as Obj | undefined) ?? it;
  const p = (node.person as Obj | undefined) ?? (node.other as Obj | undefined) ?? (it.person as Obj | undefined) ?? node;
  if (!p || p.id === undefined) return null;
  const kinds = (first(it.kinds, node.kinds) as string[] | null) ?? [];
  const kind = str(first(it.kind, node.kind));
  return {
    person: toPerson(p),
    weight: num(first(num(it.weight), num(node.weight), num(it.interactions), num(node.interactions))) ?? 1,
    kinds: kind ? [kind, ...kinds] : kinds,
    direction: str(first(it.direction, node.direction)),
  };
}

export class Api {
  constructor(public gql: Client) {}

  /** Whether people carry topics (for the topic filter). */
  get personTopics(): boolean {
    return this.gql.has("person.topics");
  }

  private liteSel(withTopics: boolean): Selection {
    return withTopics ? { ...PERSON_LITE, topics: { args: { first: 10 }, select: listSel(TOPIC_SEL) } } : PERSON_LITE;
  }

  async search(text: string, n = 20): Promise<PersonLite[]> {
    const g = this.gql;
    const sel = listSel(PERSON_LITE);
    if (g.hasQuery("people")) {
      const d = await g.query<Obj>({ people: { args: { search: text, query: text, first: n }, select: sel } });
      return items<Obj>(d.people).map(toPerson);
    }
    if (g.hasQuery("searchPeople")) {
      const d = await g.query<Obj>({ searchPeople: { args: { search: text, query: text, text, first: n }, select: sel } });
      return items<Obj>(d.searchPeople).map(toPerson);
    }
    // Older schema: an exact id, or a leaderboard filtered on the client.
    const out: PersonLite[] = [];
    if (text.includes(":")) {
      try {
        const d = await g.query<Obj>({ person: { args: { id: text }, select: PERSON_LITE } });
        if (d.person) out.push(toPerson(d.person as Obj));
      } catch { /* not found: fall through */ }
    }
    const d = await g.query<Obj>({ leaderboard: { args: { first: 100 }, select: sel } });
    const needle = text.toLowerCase();
    for (const p of items<Obj>(d.leaderboard).map(toPerson)) {
      const hit = p.id.toLowerCase().includes(needle) || p.label.toLowerCase().includes(needle);
      if (hit && !out.some((o) => o.id === p.id)) out.push(p);
    }
    return out.slice(0, n);
  }

  get canExpand(): boolean {
    return this.gql.has("person.neighbours");
  }

  /** The kinds the neighbours field filters on (enum values), if any. */
  kindValues(): string[] {
    const t = this.gql.argType("Person", "neighbours", "kinds");
    return t ? this.gql.enumValues(t) : [];
  }

  async neighbours(id: string, opts: { direction: string; kind: string | null; first: number; withTopics: boolean }): Promise<Neighbour[]> {
    const lite = this.liteSel(opts.withTopics);
    const neighbourSel: Selection = {
      weight: true, kind: true, kinds: true, direction: true, interactions: true,
      person: lite, other: lite,
      ...lite,
    };
    const d = await this.gql.query<Obj>({
      person: {
        args: { id },
        select: {
          id: true,
          neighbours: {
            args: { direction: opts.direction, kinds: opts.kind ? [opts.kind] : undefined, first: opts.first },
            select: { ...neighbourSel, edges: { weight: true, kind: true, kinds: true, direction: true, node: neighbourSel }, nodes: neighbourSel },
          },
        },
      },
    });
    const person = d.person as Obj | undefined;
    return items<Obj>(person?.neighbours).map(neighbourFrom).filter((x): x is Neighbour => !!x && x.person.id !== id);
  }

  async detail(id: string): Promise<PersonDetail> {
    const partSel: Selection = {
      network: true, kind: true, name: true, label: true, topic: NAME_SEL,
      contribution: true, points: true, value: true, amount: true, score: true, share: true,
    };
    const d = await this.gql.query<Obj>({
      person: {
        args: { id },
        select: {
          ...PERSON_LITE,
          topics: { args: { first: 5 }, select: listSel(TOPIC_SEL) },
          topTopics: { args: { first: 5 }, select: listSel(TOPIC_SEL) },
          networkScores: { network: true, score: true },
          scoresByNetwork: { network: true, score: true },
          networks: { network: true, name: true, score: true },
          explanation: {
            score: true, hints: true,
            byNetwork: partSel, byKind: partSel, byTopic: partSel, parts: partSel, contributions: partSel,
            topPeople: { ...partSel, person: PERSON_LITE, personId: true, id: true, anonymous: true, people: true, interactions: true },
          },
          history: { args: { first: 100 }, select: listSel({ asof: true, at: true, date: true, day: true, computedAt: true, score: true }) },
          scoreHistory: { args: { first: 100 }, select: listSel({ asof: true, at: true, date: true, day: true, computedAt: true, score: true }) },
        },
      },
    });
    const raw = d.person as Obj;
    const base = toPerson(raw);
    const topicsRaw = items<Obj>(first(raw.topTopics, raw.topics));
    const partValue = (p: Obj, score: number | null): number | null =>
      num(first(num(p.contribution), num(p.points), num(p.value), num(p.amount),
        num(p.share) !== null && score !== null ? (p.share as number) * score : null, num(p.score)));
    const partLabel = (p: Obj): string =>
      str(first(p.kind, p.network, p.name, p.label, p.topic ? topicName(p as Obj) : null)) ?? "?";
    let explanation: PersonDetail["explanation"] = null;
    const ex = raw.explanation as Obj | null | undefined;
    if (ex) {
      const score = num(ex.score) ?? base.score;
      const groups: { title: string; parts: Part[] }[] = [];
      const titled: [string, string][] = [["byKind", "By interaction kind"], ["byNetwork", "By network"], ["byTopic", "By topic"], ["parts", "Parts"], ["contributions", "Contributions"]];
      for (const [key, title] of titled) {
        const arr = ex[key];
        if (!Array.isArray(arr) || !arr.length) continue;
        const parts = (arr as Obj[]).map((p) => ({ label: partLabel(p), value: partValue(p, score) }))
          .filter((p): p is Part => p.value !== null);
        if (parts.length) groups.push({ title, parts });
      }
      const topPeople = Array.isArray(ex.topPeople)
        ? (ex.topPeople as Obj[]).map((p) => ({
            label: p.person ? toPerson(p.person as Obj).label
              : str(first(p.personId, p.label, p.name, p.id))
                ?? (p.anonymous ? `${num(p.people) ?? ""} not published`.trim() : `${num(p.people) ?? ""} others`.trim()),
            value: partValue(p, score),
          }))
        : [];
      explanation = { score, groups, hints: (ex.hints as string[] | undefined) ?? [], topPeople };
    }
    const histRaw = first(raw.history, raw.scoreHistory);
    const history = histRaw === null ? null : items<Obj>(histRaw)
      .map((h) => {
        const when = first(h.asof, h.at, h.date, h.day, h.computedAt);
        const at = typeof when === "number" ? new Date(when * 1000).toISOString().slice(0, 10) : str(when) ?? "";
        return { at, score: num(h.score) };
      })
      .filter((h): h is { at: string; score: number } => h.score !== null);
    const netObjs = Array.isArray(raw.networks) && raw.networks.every((n) => typeof n === "object") ? raw.networks : null;
    const netRaw = first(raw.networkScores, raw.scoresByNetwork, netObjs) as Obj[] | null;
    return {
      ...base,
      accounts: ((raw.accounts as Obj[] | undefined) ?? []).map((a) => ({
        network: String(a.network), id: String(a.id), handle: str(a.handle),
        url: typeof a.url === "string" && /^https?:\/\//.test(a.url) ? a.url : null,
      })),
      topTopics: topicsRaw.map((t) => ({ name: topicName(t) ?? "?", value: num(first(t.score, t.weight, t.share)) })),
      networkScores: (netRaw ?? []).map((n) => ({ network: str(first(n.network, n.name)) ?? "?", score: num(n.score) ?? 0 })),
      explanation, history,
    };
  }

  get hasTopics(): boolean {
    return this.gql.hasQuery("topics");
  }

  async topics(search: string | null, n = 100): Promise<{ name: string; community: string | null; communityLabel: string | null; value: number | null; related: string[] }[]> {
    if (!this.hasTopics) return [];
    const sel: Selection = {
      ...TOPIC_SEL, size: true, people: true, count: true, posts: true,
      community: COMMUNITY_SEL,
      related: { args: { first: 5 }, select: listSel(NAME_SEL) },
      relatedTopics: { args: { first: 5 }, select: listSel(NAME_SEL) },
    };
    const d = await this.gql.query<Obj>({ topics: { args: { search: search ?? undefined, first: n }, select: listSel(sel) } });
    return items<Obj>(d.topics).map((t) => {
      const cRaw = t.community as Obj | string | number | null | undefined;
      const c: Obj | null = typeof cRaw === "object" && cRaw !== null ? cRaw
        : cRaw === null || cRaw === undefined ? null : { id: cRaw };
      return {
        name: topicName(t) ?? "?",
        community: str(first(c?.id)), communityLabel: str(first(c?.name, c?.label)),
        value: num(first(t.score, t.posts, t.size, t.people, t.count, t.weight)),
        related: items<Obj>(first(t.related, t.relatedTopics)).map(topicName).filter((x): x is string => !!x),
      };
    });
  }

  async topicCommunities(): Promise<{ id: string; label: string; topics: string[]; size: number | null }[]> {
    if (!this.gql.hasQuery("communities")) return [];
    const kindType = this.gql.argType("Query", "communities", "kind");
    const kinds = kindType ? this.gql.enumValues(kindType) : [];
    const kind = kinds.find((k) => k.toUpperCase().includes("TOPIC")) ?? (kindType === "String" ? "topic" : undefined);
    const sel: Selection = {
      ...COMMUNITY_SEL,
      topics: { args: { first: 50 }, select: listSel(NAME_SEL) },
      members: { args: { first: 50 }, select: listSel(NAME_SEL) },
    };
    const d = await this.gql.query<Obj>({ communities: { args: { kind, first: 100 }, select: listSel(sel) } });
    return items<Obj>(d.communities).map((c) => ({
      id: String(c.id), label: str(first(c.name, c.label)) ?? `community ${c.id}`,
      topics: items<Obj | string>(first(c.topics, c.members))
        .map((x) => (typeof x === "string" ? x : topicName(x))).filter((x): x is string => !!x),
      size: num(c.size),
    }));
  }

  async leaderboard(topic: string | null, n = 20): Promise<PersonLite[]> {
    const d = await this.gql.query<Obj>({ leaderboard: { args: { topic: topic ?? undefined, first: n }, select: listSel(PERSON_LITE) } });
    return items<Obj>(d.leaderboard).map(toPerson);
  }
}
