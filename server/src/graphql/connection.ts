import { Field, ObjectType, type ClassType } from 'type-graphql';
import { errors } from './errors.js';

/** Relay page info (forward pagination: `first` / `after`). */
@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Builds the `XConnection` / `XEdge` types for a node type. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  // Plain data, read as it is (`simpleResolvers`): a page of 500 nodes would otherwise wrap
  // every edge's fields in a resolver of type-graphql's own.
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType as ClassType<ConnectionShape<T>>;
}

export const MAX_PAGE_SIZE = 500;
/** The page size when a query gives no `first`. */
export const DEFAULT_PAGE_SIZE = 50;

/** Cursors are opaque to clients: base64url of the row's id. */
export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, path = 'after'): string | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^id:\d+$/.test(text)) throw errors.badInput([{ path, message: 'is not a cursor this API issued' }]);
  return text.slice(3);
}

export function pageSize(first: number | null | undefined, path = 'first'): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw errors.badInput([{ path, message: `must be between 1 and ${MAX_PAGE_SIZE}` }]);
  }
  return size;
}

/** An edge whose cursor is written only when a client asks for it (most lists never do). */
class NodeEdge<T extends { id: string }> implements Edge<T> {
  constructor(readonly node: T) {}

  get cursor(): string {
    return encodeCursor(this.node.id);
  }
}

/** Turns `size + 1` rows fetched in keyset order into a page. */
export function toConnection<T extends { id: string }>(rows: T[], size: number): ConnectionShape<T> {
  const page = rows.slice(0, size);
  return {
    edges: page.map((node) => new NodeEdge(node)),
    pageInfo: { hasNextPage: rows.length > size, endCursor: page.length ? encodeCursor(page[page.length - 1].id) : null },
  };
}
