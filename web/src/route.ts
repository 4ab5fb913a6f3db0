import { useEffect, useState } from 'preact/hooks';

/** A page's address after `#`: `/board?metric=SALES` is path `/board` and its parameters. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

function current(): Route {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?', 2);
  return { path: path || '/', params: new URLSearchParams(query) };
}

/** The route now; the component renders again when the address changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const changed = () => setRoute(current());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
