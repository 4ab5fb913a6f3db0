import 'reflect-metadata';
import { decodeCursor, encodeCursor, toConnection } from './connection.js';

describe('toConnection', () => {
  it('pages size + 1 rows: each edge has its node and the cursor that resumes after it', () => {
    const page = toConnection([{ id: '30' }, { id: '20' }, { id: '10' }], 2);
    expect(page.edges.map((edge) => edge.node.id)).toEqual(['30', '20']);
    expect(page.edges.map((edge) => decodeCursor(edge.cursor))).toEqual(['30', '20']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor('20') });
  });

  it('says there is no next page, and no end cursor on an empty page', () => {
    expect(toConnection([{ id: '5' }], 2).pageInfo).toEqual({ hasNextPage: false, endCursor: encodeCursor('5') });
    expect(toConnection([], 2)).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});
