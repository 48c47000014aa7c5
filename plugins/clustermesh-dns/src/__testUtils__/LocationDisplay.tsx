import { useLocation } from 'react-router-dom';

/** Shows the router's location, so a test can read what the URL says. */
export function LocationDisplay() {
  const location = useLocation();
  return (
    <div data-testid="location" hidden>
      {`${location.pathname}${location.search}`}
    </div>
  );
}

/** The query of what `LocationDisplay` shows. */
export function currentQuery(element: HTMLElement): URLSearchParams {
  const text = element.textContent ?? '';
  const at = text.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : text.slice(at + 1));
}
