import { Fragment } from 'react';

/**
 * Text with a line-break opportunity (`<wbr>`) after each separator: an FQDN
 * wraps at its dots, an address range at its dash, an IPv6 address at its
 * colons, instead of anywhere (or nowhere). The text content is unchanged.
 */
export function Breakable(props: { text: string; after?: string }) {
  const separators = props.after ?? '.';
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < props.text.length; i++) {
    if (separators.includes(props.text[i])) {
      parts.push(props.text.slice(start, i + 1));
      start = i + 1;
    }
  }
  parts.push(props.text.slice(start));
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}
